// A thin bridge from the Rust browser test (crates/mock/tests/it/browser.rs) to headless
// Chromium: one JSON command per stdin line, one JSON answer per stdout line.
//
// The browser is Debian's `chromium` (CHROMIUM, default /usr/bin/chromium), launched once with a
// fresh profile directory; playwright-core only speaks CDP to it and downloads nothing.
//
// Commands: {op, page?, ...}. `page` names a tab (created on first use, default "main").
//   goto {url}                      navigate, wait for the load event
//   wait {selector, text?, timeout?} wait until an element matching `selector` exists (and,
//                                   with `text`, one whose textContent includes it)
//   until {expr, timeout?}          wait until a JS expression in the page is truthy
//   count {selector}                number of matching elements
//   text {selector}                 textContent of the first match
//   texts {selector}                textContent of every match
//   click {selector} / fill {selector, value} / select {selector, value}
//   eval {expr}                     value of a JS expression in the page
//   screenshot {path}               full-page PNG
//   log {}                          dialogs, page errors, console errors and requests seen
//   quit {}
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { chromium } from 'playwright-core';

const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';
const profile = mkdtempSync(join(tmpdir(), 'mock-browser-test-'));
const context = await chromium.launchPersistentContext(profile, {
  executablePath,
  headless: true,
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
  viewport: { width: 1400, height: 900 },
});

const pages = new Map();
const seen = { dialogs: [], pageErrors: [], consoleErrors: [], requests: [] };

async function page(name) {
  const key = name || 'main';
  if (!pages.has(key)) {
    const p = pages.size === 0 && context.pages().length ? context.pages()[0] : await context.newPage();
    p.on('dialog', (d) => {
      seen.dialogs.push({ page: key, type: d.type(), message: d.message() });
      d.dismiss().catch(() => {});
    });
    p.on('pageerror', (e) => seen.pageErrors.push({ page: key, message: String(e) }));
    p.on('console', (m) => {
      if (m.type() === 'error') seen.consoleErrors.push({ page: key, text: m.text() });
    });
    p.on('request', (r) => seen.requests.push({ page: key, method: r.method(), url: r.url() }));
    pages.set(key, p);
  }
  return pages.get(key);
}

// Polled from here with CDP evaluation: the page's Content-Security-Policy (no 'unsafe-eval')
// stays on, so the test sees the page exactly as a user's browser does.
async function poll(p, timeout, fn, arg) {
  const deadline = Date.now() + timeout;
  for (;;) {
    if (await p.evaluate(fn, arg)) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeout} ms waiting for ${String(fn)} ${arg === undefined ? '' : JSON.stringify(arg)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function run(cmd) {
  const p = cmd.op === 'log' || cmd.op === 'quit' ? null : await page(cmd.page);
  const timeout = cmd.timeout || 10000;
  switch (cmd.op) {
    case 'goto':
      await p.goto(cmd.url, { waitUntil: 'load', timeout });
      return null;
    case 'wait':
      await poll(p, timeout, ([selector, text]) => [...document.querySelectorAll(selector)].some((e) => text == null || e.textContent.includes(text)), [cmd.selector, cmd.text ?? null]);
      return null;
    case 'until':
      await poll(p, timeout, cmd.expr);
      return null;
    case 'count':
      return p.locator(cmd.selector).count();
    case 'text':
      return p.locator(cmd.selector).first().textContent({ timeout });
    case 'texts':
      return p.locator(cmd.selector).allTextContents();
    case 'click':
      await p.locator(cmd.selector).first().click({ timeout });
      return null;
    case 'fill':
      await p.locator(cmd.selector).first().fill(cmd.value, { timeout });
      return null;
    case 'select':
      await p.locator(cmd.selector).first().selectOption(cmd.value, { timeout });
      return null;
    case 'eval':
      return p.evaluate(cmd.expr);
    case 'screenshot':
      await p.screenshot({ path: cmd.path, fullPage: true });
      return null;
    case 'log':
      return seen;
    case 'quit':
      return null;
    default:
      throw new Error(`unknown op ${cmd.op}`);
  }
}

const lines = createInterface({ input: process.stdin });
for await (const line of lines) {
  if (!line.trim()) continue;
  let cmd;
  try {
    cmd = JSON.parse(line);
    const value = await run(cmd);
    process.stdout.write(`${JSON.stringify({ ok: true, value: value ?? null })}\n`);
  } catch (e) {
    process.stdout.write(`${JSON.stringify({ ok: false, error: String(e && e.stack ? e.stack : e) })}\n`);
  }
  if (cmd && cmd.op === 'quit') break;
}
lines.close();
await context.close();
rmSync(profile, { recursive: true, force: true });
process.exit(0);
