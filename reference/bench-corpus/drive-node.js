#!/usr/bin/env node
// Makes the calls of calls.js with @segment/analytics-node against the capture server.
//   node drive-node.js PORT [N]
'use strict'
const { Analytics } = require('@segment/analytics-node')
const { calls } = require('./calls')

const port = process.argv[2]
const analytics = new Analytics({
  writeKey: 'capture-key',
  host: `http://127.0.0.1:${port}`,
  maxEventsInBatch: 20,
  flushInterval: 50,
})
for (const c of calls(Number(process.argv[3] || 160))) {
  const msg = {}
  if (c.userId) msg.userId = c.userId
  if (c.anonymousId) msg.anonymousId = c.anonymousId
  if (c.type === 'track') analytics.track({ ...msg, event: c.event, properties: c.properties })
  if (c.type === 'identify') analytics.identify({ ...msg, traits: c.traits })
  if (c.type === 'group') analytics.group({ ...msg, groupId: c.groupId, traits: c.traits })
  if (c.type === 'page') {
    analytics.page({ ...msg, category: c.category || undefined, name: c.name, properties: c.properties })
  }
}
analytics.closeAndFlush().then(() => process.exit(0))
