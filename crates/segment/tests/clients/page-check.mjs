// Drives the local Segment's live page in Debian's headless chromium while Segment's own
// @segment/analytics-node sends to it, and prints what the page showed (one JSON line) for the
// Rust test (crates/segment/tests/it/page.rs) to check.
// Usage: node page-check.mjs BASE_URL WRITE_KEY
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Analytics } from '@segment/analytics-node';
import { chromium } from 'playwright-core';

const [base, writeKey] = process.argv.slice(2);
const HOSTILE = '<img src=x onerror="window.__pwned=1">';
const profile = mkdtempSync(join(tmpdir(), 'segment-page-'));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const out = {};
const problems = [];
try {
  const page = context.pages()[0] ?? await context.newPage();
  page.on('pageerror', (e) => problems.push(`pageerror ${e}`));
  page.on('dialog', (d) => { problems.push(`dialog ${d.message()}`); d.dismiss(); });
  await page.goto(`${base}/`, { waitUntil: 'load' });
  await page.waitForFunction(() => document.getElementById('conn').dataset.state === 'live');
  out.rowsBefore = await page.locator('#rows tr').count();

  // Sent while the page is open: it must appear without a reload.
  const analytics = new Analytics({ writeKey, host: base, flushAt: 1 });
  analytics.track({ userId: 'page-user', event: 'Order Completed', properties: { total: 12 } });
  analytics.track({ userId: HOSTILE, event: HOSTILE, properties: { note: '<script>window.__pwned=2</script>' } });
  await analytics.closeAndFlush({ timeout: 10000 });

  const orderRow = page.locator('#rows tr', { hasText: 'Order Completed' });
  await orderRow.waitFor({ timeout: 10000 });
  // Wait for its delivery to be known (the row updates live).
  await page.waitForFunction(() => [...document.querySelectorAll('#rows tr')]
    .some((tr) => tr.textContent.includes('Order Completed') && tr.textContent.includes('delivered')), null, { timeout: 10000 });
  out.orderRow = await orderRow.first().textContent();
  await orderRow.first().click();
  await page.locator('#detail .sub').first().waitFor();
  await page.locator('#detail .verdict').first().waitFor();
  await page.waitForFunction(() => !document.querySelector('#detail .mock')?.textContent.includes('asking the mock'));
  out.subscriptions = await page.$$eval('#detail .sub', (subs) => subs.map((s) => ({
    name: s.dataset.name,
    matched: s.dataset.matched,
    failed: s.querySelector('.failed')?.textContent ?? null,
    request: s.querySelector('.request-line')?.textContent ?? null,
    body: s.querySelector('.request .body')?.textContent ?? null,
    delivery: s.querySelector('.delivery')?.textContent ?? null,
  })));
  // The destination's explanation of each field, in the detail view.
  out.explained = await page.$$eval('#detail .sub[data-name="Track Event"] .explanation tr.field', (trs) => trs.map((tr) => ({
    field: tr.dataset.field,
    directive: tr.querySelector('.x-directive').textContent,
    value: tr.querySelector('.x-value').textContent,
    pointer: tr.querySelector('.x-pointer').textContent,
    steps: tr.querySelector('.x-steps').textContent,
  })));
  out.decidedBy = await page.$$eval('#detail .sub[data-name="Track Event"] .decided-by li', (lis) => lis.map((li) => li.textContent));
  out.derivedRules = await page.$$eval('#detail .sub[data-name="Track Event"] tr.derived .x-rule', (tds) => tds.map((td) => td.textContent));
  out.received = await page.locator('#detail .received').textContent();
  out.seen = await page.locator('#detail .seen').textContent();
  out.verdict = await page.locator('#detail .verdict').first().textContent();
  out.mockLink = await page.locator('#detail .mock a').getAttribute('href');

  // Hostile strings stay text.
  const hostileRow = page.locator('#rows tr', { hasText: HOSTILE });
  await hostileRow.first().waitFor({ timeout: 10000 });
  out.hostileEventCell = await hostileRow.first().locator('td.event').textContent();
  await hostileRow.first().click();
  await page.locator('#detail .seen').waitFor();
  // (JSON-escaped inside the pretty-printed message.)
  await page.waitForFunction(() => document.querySelector('#detail .received')?.textContent.includes('onerror=\\"window.__pwned=1'));
  out.hostileReceived = await page.locator('#detail .received').textContent();
  out.imgs = await page.locator('#rows img, #detail img, #detail script').count();
  out.pwned = await page.evaluate(() => window.__pwned ?? null);

  // Filters: type=identify hides both tracks.
  await page.selectOption('select[name="type"]', 'identify');
  await page.waitForFunction(() => document.querySelectorAll('#rows tr').length === 0, null, { timeout: 5000 });
  out.filteredRows = await page.locator('#rows tr').count();
  await page.selectOption('select[name="type"]', '');
  await page.waitForFunction(() => document.querySelectorAll('#rows tr').length === 2, null, { timeout: 5000 });
  // Clear.
  await page.click('#clear');
  await page.waitForFunction(() => document.querySelectorAll('#rows tr').length === 0, null, { timeout: 5000 });
  out.rowsAfterClear = await page.locator('#rows tr').count();
  out.problems = problems;
  console.log(JSON.stringify(out));
} catch (e) {
  console.error(JSON.stringify({ error: String(e), out, problems }));
  process.exitCode = 1;
} finally {
  await context.close();
  rmSync(profile, { recursive: true, force: true });
}
