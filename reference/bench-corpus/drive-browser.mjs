// Drives @segment/analytics-next (its UMD build, served by capture-server.js) in Debian's
// headless chromium through playwright-core, against the capture server.
//   node drive-browser.mjs PORT [VISITS]
// Each visit opens a landing page (with or without a query string: utm parameters), lets the
// SDK send its page call, makes some calls of calls.js, then follows a link to a second page
// (which then has a referrer) and sends its page call and one track. Visits rotate over four
// browser contexts with different locales and time zones (context.locale, context.timezone).
import { createRequire } from 'node:module'
import { chromium } from 'playwright-core'

const require = createRequire(import.meta.url)
const { calls } = require('./calls.js')
const port = process.argv[2]
const visits = Number(process.argv[3] || 24)
// The pages are www.example.com to the browser (resolved to the capture server).
const origin = 'http://www.example.com'

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
    `--host-resolver-rules=MAP www.example.com:80 127.0.0.1:${port}`,
  ],  // (launch gives every run a fresh temporary profile)
})
const setups = [
  { locale: 'en-US', timezoneId: 'America/New_York', viewport: { width: 1440, height: 900 } },
  { locale: 'de-DE', timezoneId: 'Europe/Berlin', viewport: { width: 1920, height: 1080 } },
  { locale: 'fr-FR', timezoneId: 'Europe/Paris', viewport: { width: 390, height: 844 }, deviceScaleFactor: 3 },
  { locale: 'ja-JP', timezoneId: 'Asia/Tokyo', viewport: { width: 1280, height: 800 }, deviceScaleFactor: 2 },
]
const landings = [
  '/',
  '/pricing',
  '/blog/caf%C3%A9?utm_source=newsletter&utm_medium=email&utm_campaign=spring_sale&utm_term=shoes&utm_content=banner',
  '/',
  '/search?q=blue+roses&utm_source=google&utm_medium=cpc',
  '/pricing',
]
const script = calls(visits * 3)
for (let v = 0; v < visits; v++) {
  const context = await browser.newContext(setups[v % setups.length])
  const page = await context.newPage()
  await page.goto(origin + landings[v % landings.length])
  const mine = script.slice(v * 3, v * 3 + 3).filter((c) => c.type !== 'page')
  await page.evaluate(async ({ origin, mine, v }) => {
    const [analytics] = await window.AnalyticsNext.AnalyticsBrowser.load(
      { writeKey: 'capture-key', cdnURL: origin },
      { retryQueue: false }
    )
    window.analytics = analytics
    await analytics.page()
    for (const c of mine) {
      if (c.type === 'identify') await analytics.identify(v % 4 === 3 ? undefined : c.userId, c.traits)
      if (c.type === 'track') await analytics.track(c.event, c.properties)
      if (c.type === 'group') await analytics.group(c.groupId, c.traits)
    }
  }, { origin, mine, v })
  await Promise.all([page.waitForLoadState('load'), page.click('#next')])
  await page.waitForLoadState('load')
  await page.evaluate(async ({ origin }) => {
    const [analytics] = await window.AnalyticsNext.AnalyticsBrowser.load({ writeKey: 'capture-key', cdnURL: origin })
    await analytics.page()
    await analytics.track('Checkout Step Viewed', { checkout_id: 'c-1', step: 2, shipping_method: '' })
  }, { origin })
  await page.waitForTimeout(200)
  await context.close()
}
await browser.close()
