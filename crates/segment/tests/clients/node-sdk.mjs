// Sends identify, track, page, screen and group with Segment's own @segment/analytics-node
// (pinned by package-lock.json) to the local Segment at HOST, then flushes and exits.
// Usage: node node-sdk.mjs HOST WRITE_KEY [TAG]
import { Analytics } from '@segment/analytics-node';

const [host, writeKey, tag = 'node'] = process.argv.slice(2);
const analytics = new Analytics({ writeKey, host, flushAt: 5, flushInterval: 200 });
const errors = [];
analytics.on('error', (e) => errors.push(String(e?.reason ?? e?.code ?? e)));

const userId = `${tag}-user-1`;
analytics.identify({ userId, traits: { email: `${tag}@example.com`, name: 'Ada Lovelace', plan: 'pro' } });
analytics.track({ userId, event: 'Order Completed', properties: { order_id: `${tag}-o-1`, total: 42.5, currency: 'EUR' } });
analytics.page({ userId, category: 'Docs', name: 'Getting Started', properties: { url: 'https://app.example/docs', title: 'Getting Started' } });
analytics.screen({ userId, name: 'Settings', properties: { section: 'billing' } });
analytics.group({ userId, groupId: `${tag}-company-1`, traits: { name: 'Initech', industry: 'Software', employees: 420 } });
await analytics.closeAndFlush({ timeout: 10000 });
if (errors.length) {
  console.error(JSON.stringify({ errors }));
  process.exit(1);
}
console.log(JSON.stringify({ ok: true }));
