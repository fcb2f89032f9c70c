// Loads @segment/analytics-next (pinned by package-lock.json) in Debian's headless chromium on
// a test page of another origin (a loopback server of its own, started here), with `cdnURL` pointing at
// the local Segment at HOST, and sends identify, track and page. The only change from a
// production page is `cdnURL`.
// Usage: node browser-sdk.mjs HOST WRITE_KEY
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServer } from 'node:http';
import { chromium } from 'playwright-core';

const [host, writeKey] = process.argv.slice(2);
const here = dirname(fileURLToPath(import.meta.url));
const umd = join(here, 'node_modules/@segment/analytics-next/dist/umd');
const profile = mkdtempSync(join(tmpdir(), 'segment-browser-sdk-'));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
// The app: its page and the SDK file (as an app bundles it), on a loopback origin of its own
// (a real server: Chromium's local-network rules treat a page it cannot place as public).
const app = createServer((req, res) => {
  if (req.url === '/analytics-next.js') {
    res.writeHead(200, { 'content-type': 'text/javascript' });
    return res.end(readFileSync(join(umd, 'index.js')));
  }
  res.writeHead(200, { 'content-type': 'text/html' });
  res.end(`<!doctype html><html><head><title>SDK test page</title>
<script src="/analytics-next.js"></script></head><body><h1>SDK test page</h1></body></html>`);
});
await new Promise((ok) => app.listen(0, '127.0.0.1', ok));
const appOrigin = `http://127.0.0.1:${app.address().port}`;
const seen = [];
try {
  const page = context.pages()[0] ?? await context.newPage();
  page.on('request', (r) => seen.push(`${r.method()} ${r.url()}`));
  page.on('pageerror', (e) => seen.push(`pageerror ${e}`));
  page.on('requestfailed', (r) => seen.push(`failed ${r.url()} ${r.failure()?.errorText}`));
  page.on('console', (m) => seen.push(`console ${m.type()} ${m.text()}`));
  // Lazily loaded SDK chunks come from `${cdnURL}/analytics-next/bundles/`: served from the
  // package, so the local Segment serves only Segment's API and settings.
  await context.route(`${host}/analytics-next/bundles/**`, (route) => {
    const file = new URL(route.request().url()).pathname.split('/').pop();
    return route.fulfill({ contentType: 'text/javascript', body: readFileSync(join(umd, file)) });
  });
  await page.goto(`${appOrigin}/`, { waitUntil: 'load' });
  const result = await page.evaluate(async ([writeKey, cdnURL]) => {
    const [analytics] = await window.AnalyticsNext.AnalyticsBrowser.load({ writeKey, cdnURL });
    const out = [];
    for (const ctx of [
      await analytics.identify('browser-user-1', { email: 'browser@example.com', name: 'Alan Turing' }),
      await analytics.track('Order Completed', { order_id: 'browser-o-1', total: 7, currency: 'GBP' }),
      await analytics.page('Docs', 'Getting Started', { title: 'Getting Started' }),
    ]) {
      out.push({ type: ctx.event.type, failed: ctx.failedDelivery() ? String(ctx.failedDelivery().reason) : null });
    }
    return out;
  }, [writeKey, host]);
  const failed = result.filter((r) => r.failed);
  if (failed.length) throw new Error(`delivery failed: ${JSON.stringify(failed)}`);
  console.log(JSON.stringify({ ok: true, result, requests: seen }));
} catch (e) {
  console.error(JSON.stringify({ error: String(e), requests: seen }));
  process.exitCode = 1;
} finally {
  await context.close();
  app.close();
  rmSync(profile, { recursive: true, force: true });
}
