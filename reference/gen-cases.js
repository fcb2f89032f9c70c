#!/usr/bin/env node
// Writes the conformance case files fixtures/cases/<group>.cases.ndjson.
//
//   node reference/gen-cases.js [--out DIR]     (DIR defaults to fixtures/cases in this repo)
//
// Fully deterministic: no randomness, no clock. Each case's `seed` is a hash of its id, so adding
// a case never changes another case. Case ids are "<group>/<what-it-tests>".
'use strict'

const fs = require('fs')
const path = require('path')

const args = process.argv.slice(2)
let outDir = path.join(__dirname, '..', 'fixtures', 'cases')
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--out' && args[i + 1]) outDir = path.resolve(args[++i])
  else if (args[i] === '--verbose') continue
  else {
    console.error('usage: node reference/gen-cases.js [--out DIR]')
    process.exit(2)
  }
}

// ---------------------------------------------------------------------------------------------
// Case builders
// ---------------------------------------------------------------------------------------------
const groups = new Map()
const ids = new Set()

function seedFor(id) {
  // FNV-1a, 32 bit
  let h = 0x811c9dc5
  for (const ch of Buffer.from(id, 'utf8')) {
    h ^= ch
    h = Math.imul(h, 0x01000193) >>> 0
  }
  return h
}

function push(group, c) {
  if (ids.has(c.id)) throw new Error(`duplicate case id ${c.id}`)
  ids.add(c.id)
  if (!groups.has(group)) groups.set(group, [])
  groups.get(group).push(c)
}

const SETTINGS = { api_key: 'um_live_3f9a2c', server_token: 'srv_8b1d7e4a' }
const NOW = '2024-06-15T12:00:00.000Z'

function action(group, slug, actionName, event, opts = {}) {
  const id = `${group}/${slug}`
  push(group, {
    id,
    kind: 'action',
    action: actionName,
    event,
    mapping: opts.mapping === undefined ? null : opts.mapping,
    settings: opts.settings === undefined ? SETTINGS : opts.settings,
    now: opts.now || NOW,
    seed: seedFor(id)
  })
}

function route(group, slug, event, subscriptions, opts = {}) {
  const id = `${group}/${slug}`
  push(group, {
    id,
    kind: 'route',
    event,
    settings: opts.settings === undefined ? SETTINGS : opts.settings,
    subscriptions,
    now: opts.now || NOW,
    seed: seedFor(id)
  })
}

function transform(group, slug, mapping, input, opts = {}) {
  const c = { id: `${group}/${slug}`, kind: 'transform', mapping, input }
  if (opts.now) c.now = opts.now
  push(group, c)
}

// A value written to the case file verbatim (number spellings JSON.stringify cannot produce, such
// as 9007199254740993, 1E21 or -0.0, or objects whose key order JS would change).
class Raw {
  constructor(text) {
    JSON.parse(text)
    this.text = text
  }
}
const raw = (text) => new Raw(text)

// JSON.stringify, except that -0 is written as -0 and Raw values verbatim.
function stringify(v) {
  if (v instanceof Raw) return v.text
  if (typeof v === 'number') return Object.is(v, -0) ? '-0' : JSON.stringify(v)
  if (Array.isArray(v)) return '[' + v.map((x) => (x === undefined ? 'null' : stringify(x))).join(',') + ']'
  if (v !== null && typeof v === 'object') {
    const parts = []
    for (const [k, x] of Object.entries(v)) if (x !== undefined) parts.push(JSON.stringify(k) + ':' + stringify(x))
    return '{' + parts.join(',') + '}'
  }
  return JSON.stringify(v)
}

// Deep copy that keeps Raw values and -0.
function clone(v) {
  if (v instanceof Raw || v === null || typeof v !== 'object') return v
  if (Array.isArray(v)) return v.map(clone)
  const out = {}
  for (const [k, x] of Object.entries(v)) out[k] = clone(x)
  return out
}

// Deep merge for building event variants; `undefined` in the patch deletes a key.
function patch(base, p) {
  const out = clone(base)
  for (const [k, v] of Object.entries(p)) {
    if (v === undefined) delete out[k]
    else if (v && typeof v === 'object' && !Array.isArray(v) && out[k] && typeof out[k] === 'object' && !Array.isArray(out[k]))
      out[k] = patch(out[k], v)
    else out[k] = v
  }
  return out
}
// Like patch, but the placeholder DELETE removes keys (undefined cannot live in JSON-ish literals).
const DELETE = undefined

// ---------------------------------------------------------------------------------------------
// Realistic Segment-Spec events
// ---------------------------------------------------------------------------------------------
const UA_CHROME =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36'

const ajsContext = {
  ip: '203.0.113.42',
  library: { name: 'analytics.js', version: 'npm:next-1.70.0' },
  locale: 'en-US',
  page: {
    path: '/pricing',
    referrer: 'https://www.google.com/',
    search: '?plan=pro&utm_source=newsletter',
    title: 'Pricing | Acme',
    url: 'https://www.acme.io/pricing?plan=pro&utm_source=newsletter'
  },
  userAgent: UA_CHROME,
  userAgentData: { brands: [{ brand: 'Chromium', version: '124' }], mobile: false, platform: 'macOS' },
  campaign: { name: 'spring_sale', source: 'newsletter', medium: 'email', term: 'running shoes', content: 'hero_banner' },
  timezone: 'Europe/Berlin'
}

const iosContext = {
  app: { build: '312', name: 'Acme', namespace: 'io.acme.app', version: '4.2.0' },
  device: { id: 'B5372DB0-C21E-11E4-8DFC-AA07A5B093DB', manufacturer: 'Apple', model: 'iPhone15,2', name: 'iPhone', type: 'ios' },
  library: { name: 'analytics-ios', version: '4.1.8' },
  locale: 'en-GB',
  network: { carrier: 'EE', cellular: false, wifi: true },
  os: { name: 'iOS', version: '17.4.1' },
  screen: { width: 393, height: 852, density: 3 },
  timezone: 'Europe/London',
  traits: { email: 'ios.user@example.co.uk' }
}

const androidContext = {
  app: { build: '1042', name: 'Acme', namespace: 'io.acme.android', version: '4.2.0' },
  device: { id: 'f1e2d3c4b5a69788', manufacturer: 'Google', model: 'Pixel 8', type: 'android', adTrackingEnabled: false },
  library: { name: 'analytics-kotlin', version: '1.15.0' },
  locale: 'de-DE',
  network: { bluetooth: false, carrier: 'T-Mobile', cellular: true, wifi: false },
  os: { name: 'Android', version: '14' },
  screen: { density: 2.625, height: 2209, width: 1080 },
  timezone: 'Europe/Berlin',
  userAgent: 'Dalvik/2.1.0 (Linux; U; Android 14; Pixel 8 Build/AP1A.240305.019)'
}

const serverContext = { library: { name: 'analytics-node', version: '2.1.2' } }

const baseTrack = {
  anonymousId: 'a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d',
  context: ajsContext,
  event: 'Signed Up',
  messageId: 'ajs-next-1718452800000-4a6f1c2e-9b3d-4e8f-a1c2-3d4e5f6a7b8c',
  originalTimestamp: '2024-06-15T11:59:59.512Z',
  properties: { plan: 'pro', seats: 5, trial: true },
  receivedAt: '2024-06-15T12:00:00.101Z',
  sentAt: '2024-06-15T11:59:59.620Z',
  timestamp: '2024-06-15T11:59:59.993Z',
  type: 'track',
  userId: 'user_8f2b1c'
}

const orderCompleted = patch(baseTrack, {
  event: 'Order Completed',
  properties: {
    checkout_id: 'fksdjfsdjfisjf9sdfjsd9f',
    order_id: '50314b8e9bcf000000000000',
    affiliation: 'Google Store',
    total: 27.5,
    subtotal: 22.5,
    revenue: 25.0,
    shipping: 3,
    tax: 2,
    discount: 2.5,
    coupon: 'hasbros',
    currency: 'USD',
    products: [
      {
        product_id: '507f1f77bcf86cd799439011',
        sku: '45790-32',
        name: 'Monopoly: 3rd Edition',
        price: 19,
        quantity: 1,
        category: 'Games',
        url: 'https://www.example.com/product/path',
        image_url: 'https:///www.example.com/product/path.jpg'
      },
      { product_id: '505bd76785ebb509fc183733', sku: '46493-32', name: 'Uno Card Game', price: 3, quantity: 2, category: 'Games' }
    ]
  }
})

const baseIdentify = {
  anonymousId: 'a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d',
  context: ajsContext,
  messageId: 'ajs-next-1718452800000-0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0',
  timestamp: '2024-06-15T11:59:59.993Z',
  traits: {
    email: 'jane.doe@example.com',
    first_name: 'Jane',
    last_name: 'Doe',
    created_at: '2023-11-02T08:15:00.000Z',
    plan: 'enterprise',
    logins: 42,
    company: { name: 'Initech', id: 'co_77' }
  },
  type: 'identify',
  userId: 'user_8f2b1c'
}

const engageIdentify = {
  anonymousId: null,
  context: {
    library: { name: 'unknown', version: 'unknown' },
    personas: {
      computation_class: 'audience',
      computation_id: 'aud_2Ntq9ldyrmf83lJMVGSOmfRrj4E',
      computation_key: 'high_value_customers',
      namespace: 'spa_8c2Nr8N2wF1xB3mLQxq8A7',
      space_id: 'spa_8c2Nr8N2wF1xB3mLQxq8A7'
    },
    traits: { email: 'vip@example.com' }
  },
  messageId: 'personas_2Ntq9pD9bQ6mBvQ4nK3r1X7y8Z0',
  timestamp: '2024-06-15T11:30:00.000Z',
  traits: { email: 'vip@example.com', high_value_customers: true },
  type: 'identify',
  userId: 'user_vip_001'
}

const baseGroup = {
  anonymousId: 'a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d',
  context: ajsContext,
  groupId: 'co_initech',
  messageId: 'ajs-next-1718452800000-77aa88bb-99cc-4dde-8eef-00ff11aa22bb',
  timestamp: '2024-06-15T11:59:59.993Z',
  traits: {
    name: 'Initech',
    industry: 'Technology',
    employees: 329,
    plan: 'enterprise',
    created_at: '2019-05-01T00:00:00.000Z',
    website: 'https://initech.example'
  },
  type: 'group',
  userId: 'user_8f2b1c'
}

const basePage = {
  anonymousId: 'a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d',
  context: ajsContext,
  messageId: 'ajs-next-1718452800000-1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5e',
  name: 'Pricing',
  category: 'Marketing',
  properties: {
    name: 'Pricing',
    path: '/pricing',
    referrer: 'https://www.google.com/',
    search: '?plan=pro&utm_source=newsletter',
    title: 'Pricing | Acme',
    url: 'https://www.acme.io/pricing?plan=pro&utm_source=newsletter'
  },
  timestamp: '2024-06-15T11:59:59.993Z',
  type: 'page',
  userId: 'user_8f2b1c'
}

const BASE = { track: baseTrack, identify: baseIdentify, group: baseGroup, page: basePage }

// =============================================================================================
// action-track
// =============================================================================================
{
  const g = 'action-track'
  action(g, 'ajs-signed-up', 'track', baseTrack)
  action(g, 'ajs-order-completed-products', 'track', orderCompleted)
  action(g, 'ajs-product-viewed', 'track', patch(baseTrack, { event: 'Product Viewed', properties: { product_id: 'p_1', price: 18.99, currency: 'EUR', name: 'Café crème' } }))
  action(g, 'ios-screen-and-traits-email', 'track', patch(baseTrack, { context: DELETE }), {})
  action(g, 'ios-context', 'track', { ...patch(baseTrack, {}), context: iosContext })
  action(g, 'android-context-float-density', 'track', { ...patch(baseTrack, {}), context: androidContext, event: 'Application Opened', properties: { from_background: false, version: '4.2.0' } })
  action(g, 'server-node-minimal', 'track', { type: 'track', event: 'Invoice Paid', userId: 'user_42', messageId: 'node-msg-1', timestamp: '2024-06-15T10:00:00.000Z', properties: { amount: 99.5, currency: 'USD' }, context: serverContext })
  action(g, 'server-no-context-no-anonymous-id', 'track', { type: 'track', event: 'Invoice Paid', userId: 'user_42' })
  action(g, 'only-event-name', 'track', { event: 'Bare' })
  action(g, 'event-name-missing', 'track', patch(baseTrack, { event: DELETE }))
  action(g, 'event-name-empty', 'track', patch(baseTrack, { event: '' }))
  action(g, 'event-name-null', 'track', patch(baseTrack, { event: null }))
  action(g, 'event-name-number', 'track', patch(baseTrack, { event: 42 }))
  action(g, 'event-name-boolean', 'track', patch(baseTrack, { event: false }))
  action(g, 'event-name-object', 'track', patch(baseTrack, { event: { name: 'x' } }))
  action(g, 'event-name-array-one', 'track', patch(baseTrack, { event: ['Wrapped'] }))
  action(g, 'event-name-array-two', 'track', patch(baseTrack, { event: ['A', 'B'] }))
  action(g, 'event-name-whitespace', 'track', patch(baseTrack, { event: '   ' }))
  action(g, 'event-name-unicode', 'track', patch(baseTrack, { event: 'Заказ оформлен ✅ 注文' }))
  action(g, 'properties-email-moves-to-user', 'track', patch(baseTrack, { properties: { email: 'prop@example.com', created_at: '2024-01-01', plan: 'pro' } }))
  action(g, 'context-traits-email-fallback', 'track', patch(baseTrack, { context: { traits: { email: 'ctx@example.com', created_at: '2022-02-02T00:00:00Z' } } }))
  action(g, 'properties-email-empty-string-wins', 'track', patch(baseTrack, { properties: { email: '' }, context: { traits: { email: 'ctx@example.com' } } }))
  action(g, 'properties-email-null-falls-back', 'track', patch(baseTrack, { properties: { email: null }, context: { traits: { email: 'ctx@example.com' } } }))
  action(g, 'properties-email-number', 'track', patch(baseTrack, { properties: { email: 12345 } }))
  action(g, 'properties-created-at-number', 'track', patch(baseTrack, { properties: { created_at: 1700000000 } }))
  action(g, 'properties-missing', 'track', patch(baseTrack, { properties: DELETE }))
  action(g, 'properties-empty', 'track', patch(baseTrack, { properties: {} }))
  action(g, 'properties-null', 'track', patch(baseTrack, { properties: null }))
  action(g, 'properties-array', 'track', patch(baseTrack, { properties: [1, 2] }))
  action(g, 'properties-string', 'track', patch(baseTrack, { properties: 'oops' }))
  action(g, 'properties-only-email-and-created-at', 'track', patch(baseTrack, { properties: { email: 'a@b.co', created_at: 'yesterday' } }))
  action(g, 'campaign-partial', 'track', patch(baseTrack, { context: { campaign: { name: DELETE, term: DELETE, content: DELETE } } }))
  action(g, 'campaign-missing', 'track', patch(baseTrack, { context: { campaign: DELETE } }))
  action(g, 'campaign-number-values', 'track', patch(baseTrack, { context: { campaign: { source: 7, medium: true, name: null } } }))
  action(g, 'campaign-object-value', 'track', patch(baseTrack, { context: { campaign: { source: { a: 1 } } } }))
  action(g, 'message-id-missing', 'track', patch(baseTrack, { messageId: DELETE }))
  action(g, 'timestamp-missing', 'track', patch(baseTrack, { timestamp: DELETE }))
  action(g, 'timestamp-number', 'track', patch(baseTrack, { timestamp: 1718452799993 }))
  action(g, 'page-context-missing', 'track', patch(baseTrack, { context: { page: DELETE } }))
  action(g, 'page-path-number', 'track', patch(baseTrack, { context: { page: { path: 404, search: '' } } }))
  action(g, 'locale-and-ua-missing', 'track', patch(baseTrack, { context: { locale: DELETE, userAgent: DELETE } }))
  action(g, 'ip-v6', 'track', patch(baseTrack, { context: { ip: '2001:db8:85a3::8a2e:370:7334' } }))
  action(g, 'user-agent-very-long', 'track', patch(baseTrack, { context: { userAgent: 'Mozilla/5.0 '.repeat(200).trim() } }))
  action(g, 'traits-top-level-ignored', 'track', patch(baseTrack, { traits: { email: 'top@example.com' } }))
  action(g, 'properties-with-reserved-keys', 'track', patch(baseTrack, { properties: { event_type: 'x', user: 'y', api_key: 'z', ids: [1], doc_host: 'h' } }))
  action(g, 'screen-event-type-screen', 'track', patch(baseTrack, { type: 'screen', name: 'Home' }))
  action(g, 'all-string-fields-empty', 'track', patch(baseTrack, {
    userId: '', anonymousId: '', messageId: '', timestamp: '',
    context: { ip: '', locale: '', userAgent: '', page: { path: '', search: '', title: '', referrer: '', url: '' }, campaign: { name: '', source: '', medium: '', term: '', content: '' } }
  }))
  action(g, 'context-null', 'track', patch(baseTrack, { context: null }))
  action(g, 'context-page-null', 'track', patch(baseTrack, { context: { page: null } }))
  action(g, 'context-array', 'track', patch(baseTrack, { context: [1, 2] }))
  action(g, 'context-string', 'track', patch(baseTrack, { context: 'ctx' }))
  action(g, 'context-personas-null', 'track', patch(baseTrack, { context: { personas: null } }))
  action(g, 'engage-audience-track-properties-boolean', 'track', patch(baseTrack, {
    event: 'Audience Entered', properties: { audience_key: 'vip', vip: true },
    context: { personas: { computation_class: 'audience', computation_key: 'vip' } }
  }))
}

// =============================================================================================
// action-identify
// =============================================================================================
{
  const g = 'action-identify'
  action(g, 'ajs-full-traits', 'identify', baseIdentify)
  action(g, 'engage-audience-entered', 'identify', engageIdentify)
  action(g, 'engage-audience-exited', 'identify', patch(engageIdentify, { traits: { high_value_customers: false } }))
  action(g, 'engage-computed-traits-snake-case', 'identify', patch(engageIdentify, {
    context: { personas: { computation_class: 'computed_trait', computation_key: 'total_order_value_90d' } },
    traits: { total_order_value_90d: 1234.56, is_churn_risk: false, last_seen_at: '2024-06-14T22:10:00.000Z' }
  }))
  action(g, 'mobile-ios', 'identify', { ...patch(baseIdentify, {}), context: iosContext })
  action(g, 'server-node', 'identify', { type: 'identify', userId: 'user_42', traits: { email: 'srv@example.com', name: 'Server User' }, context: serverContext })
  action(g, 'email-missing', 'identify', patch(baseIdentify, { traits: { email: DELETE } }))
  action(g, 'email-from-properties', 'identify', patch(baseIdentify, { traits: { email: DELETE }, properties: { email: 'props@example.com' } }))
  action(g, 'email-empty-string', 'identify', patch(baseIdentify, { traits: { email: '' } }))
  action(g, 'email-null', 'identify', patch(baseIdentify, { traits: { email: null } }))
  action(g, 'email-null-properties-email', 'identify', patch(baseIdentify, { traits: { email: null }, properties: { email: 'p@example.com' } }))
  action(g, 'email-number', 'identify', patch(baseIdentify, { traits: { email: 5551234 } }))
  action(g, 'email-array', 'identify', patch(baseIdentify, { traits: { email: ['one@example.com'] } }))
  action(g, 'user-id-missing', 'identify', patch(baseIdentify, { userId: DELETE }))
  action(g, 'user-id-missing-and-email-missing', 'identify', patch(baseIdentify, { userId: DELETE, traits: { email: DELETE } }))
  action(g, 'first-last-name-from-properties', 'identify', patch(baseIdentify, { traits: { first_name: DELETE, last_name: DELETE }, properties: { first_name: 'Pia', last_name: 'Props' } }))
  action(g, 'name-trait-not-split', 'identify', patch(baseIdentify, { traits: { first_name: DELETE, last_name: DELETE, name: 'Jane Q. Doe' } }))
  action(g, 'camel-case-traits-kept-in-custom', 'identify', patch(baseIdentify, { traits: { firstName: 'J', lastName: 'D', createdAt: '2020-01-01' } }))
  action(g, 'traits-only-omitted-keys', 'identify', patch(baseIdentify, { traits: { plan: DELETE, logins: DELETE, company: DELETE } }))
  action(g, 'traits-empty-object-but-email-in-properties', 'identify', { ...patch(baseIdentify, {}), traits: {}, properties: { email: 'p@example.com' } })
  action(g, 'created-at-number', 'identify', patch(baseIdentify, { traits: { created_at: 1698912900 } }))
  action(g, 'created-at-null', 'identify', patch(baseIdentify, { traits: { created_at: null } }))
  action(g, 'traits-nested-arrays', 'identify', patch(baseIdentify, { traits: { tags: ['a', ['b', ['c']]], matrix: [[1, 2], [3, 4]], empty: [] } }))
  action(g, 'traits-with-null-values', 'identify', patch(baseIdentify, { traits: { nickname: null, age: null, avatar: '' } }))
  action(g, 'traits-address-object', 'identify', patch(baseIdentify, { traits: { address: { city: 'Zürich', country: 'CH', postal_code: '8001', street: 'Bahnhofstrasse 1' } } }))
  action(g, 'anonymous-only-identify', 'identify', patch(baseIdentify, { userId: null }))
  action(g, 'context-traits-ignored', 'identify', patch(baseIdentify, { traits: DELETE, context: { traits: { email: 'ctx@example.com' } } }))
  action(g, 'traits-null-email-in-properties', 'identify', patch(baseIdentify, { traits: null, properties: { email: 'p@example.com' } }))
  action(g, 'all-string-fields-empty-except-required', 'identify', patch(baseIdentify, {
    anonymousId: '', messageId: '', timestamp: '', traits: { first_name: '', last_name: '', created_at: '', plan: '' },
    context: { ip: '', locale: '', userAgent: '', page: { path: '', search: '', title: '', referrer: '', url: '' } }
  }))
}

// =============================================================================================
// action-group
// =============================================================================================
{
  const g = 'action-group'
  action(g, 'ajs-company-traits', 'group', baseGroup)
  action(g, 'name-and-created-at-duplicated-in-custom', 'group', patch(baseGroup, { traits: { industry: DELETE, employees: DELETE, plan: DELETE, website: DELETE } }))
  action(g, 'server-node', 'group', { type: 'group', userId: 'user_42', groupId: 'acct_9', traits: { name: 'Acme Corp', mrr: 4999.99 }, context: serverContext })
  action(g, 'group-id-missing', 'group', patch(baseGroup, { groupId: DELETE }))
  action(g, 'group-id-empty', 'group', patch(baseGroup, { groupId: '' }))
  action(g, 'group-id-null', 'group', patch(baseGroup, { groupId: null }))
  action(g, 'group-id-number', 'group', patch(baseGroup, { groupId: 123456 }))
  action(g, 'group-id-zero', 'group', patch(baseGroup, { groupId: 0 }))
  action(g, 'group-id-object', 'group', patch(baseGroup, { groupId: { id: 1 } }))
  action(g, 'user-id-missing', 'group', patch(baseGroup, { userId: DELETE }))
  action(g, 'user-id-and-group-id-missing', 'group', patch(baseGroup, { userId: DELETE, groupId: DELETE }))
  action(g, 'traits-missing', 'group', patch(baseGroup, { traits: DELETE }))
  action(g, 'traits-empty', 'group', { ...patch(baseGroup, {}), traits: {} })
  action(g, 'traits-with-company-id-key', 'group', patch(baseGroup, { traits: { company_id: 'dup', company_created_at: 'dup2' } }))
  action(g, 'traits-name-number', 'group', patch(baseGroup, { traits: { name: 1999 } }))
  action(g, 'traits-name-object', 'group', patch(baseGroup, { traits: { name: { legal: 'Initech LLC' } } }))
  action(g, 'traits-nested', 'group', patch(baseGroup, { traits: { address: { city: 'Austin', geo: [30.2672, -97.7431] }, tags: ['b2b', 'saas'] } }))
  action(g, 'traits-unicode', 'group', patch(baseGroup, { traits: { name: 'Société Générale 🇫🇷', city: '東京' } }))
  action(g, 'mobile-android', 'group', { ...patch(baseGroup, {}), context: androidContext })
  action(g, 'traits-null', 'group', patch(baseGroup, { traits: null }))
  action(g, 'traits-array', 'group', patch(baseGroup, { traits: ['a'] }))
}

// =============================================================================================
// action-page
// =============================================================================================
{
  const g = 'action-page'
  action(g, 'ajs-pricing', 'page', basePage)
  action(g, 'no-name', 'page', patch(basePage, { name: DELETE, properties: { name: DELETE } }))
  action(g, 'name-number', 'page', patch(basePage, { properties: { name: 404 } }))
  action(g, 'properties-email-and-created-at', 'page', patch(basePage, { properties: { email: 'page@example.com', created_at: '2024-02-29T12:00:00Z' } }))
  action(g, 'context-traits-email', 'page', patch(basePage, { context: { traits: { email: 'ctx@example.com' } } }))
  action(g, 'anonymous-only', 'page', patch(basePage, { userId: DELETE }))
  action(g, 'anonymous-missing', 'page', patch(basePage, { userId: DELETE, anonymousId: DELETE }))
  action(g, 'context-page-missing', 'page', patch(basePage, { context: { page: DELETE } }))
  action(g, 'server-minimal', 'page', { type: 'page', userId: 'u1', name: 'Docs', properties: { url: 'https://docs.acme.io/' } })
  action(g, 'empty-event', 'page', {})
  action(g, 'mobile-ios-screen', 'page', { ...patch(basePage, {}), context: iosContext })
  action(g, 'page-url-in-properties-only', 'page', patch(basePage, { context: { page: { url: DELETE } } }))
  action(g, 'search-and-path-empty', 'page', patch(basePage, { context: { page: { search: '', path: '' } } }))
  action(g, 'title-unicode', 'page', patch(basePage, { context: { page: { title: 'Ünïcödé — ページ 😀' } } }))
}

// =============================================================================================
// ids: userId / anonymousId shapes on every action
// =============================================================================================
{
  const g = 'ids'
  const userIds = [
    ['missing', DELETE], ['null', null], ['empty', ''], ['number', 123456789], ['zero', 0], ['float', 1.5],
    ['negative-zero', -0], ['true', true], ['big-raw', raw('9007199254740993')], ['false', false], ['array-one', ['u_arr']], ['array-empty', []], ['object', { id: 'u' }],
    ['unicode', 'ユーザー_1'], ['whitespace', ' u 1 '], ['huge-number', raw('12345678901234567890')]
  ]
  for (const [name, v] of userIds) {
    for (const a of ['track', 'identify', 'group', 'page']) {
      action(g, `${a}-user-id-${name}`, a, patch(BASE[a], { userId: v }))
    }
  }
  const anonIds = [
    ['missing', DELETE], ['null', null], ['empty', ''], ['number', 987654321], ['zero', 0], ['false', false],
    ['array-one', ['anon_arr']], ['object', { a: 1 }], ['uuid', '9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a']
  ]
  for (const [name, v] of anonIds) {
    for (const a of ['track', 'identify', 'group', 'page']) {
      action(g, `${a}-anonymous-id-${name}`, a, patch(BASE[a], { anonymousId: v }))
    }
  }
}

// =============================================================================================
// screen
// =============================================================================================
{
  const g = 'screen'
  const screens = [
    ['typical', { width: 1920, height: 1080, density: 1 }],
    ['width-zero', { width: 0, height: 1080 }],
    ['height-zero', { width: 1920, height: 0 }],
    ['both-zero', { width: 0, height: 0, density: 2 }],
    ['width-only', { width: 1280 }],
    ['height-only', { height: 720 }],
    ['empty-object', {}],
    ['strings', { width: '1280', height: '720', density: '2' }],
    ['string-non-numeric', { width: 'wide', height: '720' }],
    ['floats', { width: 1280.5, height: 720 }],
    ['float-integral', { width: 1280.0, height: 720.0, density: 1.0 }],
    ['negative', { width: -1, height: -1 }],
    ['density-only', { density: 3 }],
    ['density-string-garbage', { width: 390, height: 844, density: 'retina' }],
    ['null-values', { width: null, height: null, density: null }],
    ['booleans', { width: true, height: true }],
    ['huge', { width: raw('9007199254740993'), height: 1e21 }],
    ['arrays', { width: [390], height: [844, 845] }],
    ['extra-keys', { width: 390, height: 844, depth: 24, orientation: 'portrait' }],
    ['screen-null', null],
    ['screen-string', '1920x1080']
  ]
  for (const [name, s] of screens) {
    action(g, `track-${name}`, 'track', patch(baseTrack, { context: { screen: s } }))
  }
  for (const [name, s] of screens.filter(([n]) => ['typical', 'width-zero', 'strings', 'floats', 'empty-object'].includes(n))) {
    action(g, `identify-${name}`, 'identify', patch(baseIdentify, { context: { screen: s } }))
    action(g, `page-${name}`, 'page', patch(basePage, { context: { screen: s } }))
  }
}

// =============================================================================================
// url -> doc_host
// =============================================================================================
{
  const g = 'url'
  const urls = [
    ['https-plain', 'https://www.acme.io/pricing'],
    ['https-default-port', 'https://example.com:443/x'],
    ['http-default-port', 'http://example.com:80/'],
    ['custom-port', 'http://example.com:8080/a?b=c#frag'],
    ['port-leading-zeros', 'https://example.com:0443/'],
    ['port-zero', 'https://example.com:0/'],
    ['port-max', 'https://example.com:65535/'],
    ['port-too-big', 'https://example.com:65536/'],
    ['userinfo', 'https://user:p%40ss@example.com/secret'],
    ['idn', 'https://bücher.example/straße'],
    ['idn-cjk', 'https://例子.测试/路径'],
    ['punycode', 'https://xn--bcher-kva.example/'],
    ['uppercase', 'HTTPS://WWW.EXAMPLE.COM/UP'],
    ['trailing-dot', 'https://example.com./'],
    ['ipv6-loopback-port', 'https://[::1]:3000/'],
    ['ipv6-full', 'http://[2001:0db8:0000:0000:0000:ff00:0042:8329]/'],
    ['ipv6-mapped-ipv4', 'http://[::ffff:192.168.0.1]/'],
    ['ipv4', 'http://192.168.0.1:9000/'],
    ['ipv4-hex', 'http://0x7f.1/'],
    ['ipv4-short', 'https://1.2.3/'],
    ['ipv4-out-of-range', 'https://999.1.1.1/'],
    ['percent-encoded-host', 'http://%65xample.com/'],
    ['ws-default-port', 'ws://example.com:80/socket'],
    ['ftp', 'ftp://files.example.com:21/pub'],
    ['file', 'file:///etc/passwd'],
    ['mailto', 'mailto:someone@example.com'],
    ['javascript', 'javascript:alert(1)'],
    ['about-blank', 'about:blank'],
    ['data', 'data:text/plain,hello'],
    ['custom-scheme', 'myapp://deep/link?x=1'],
    ['surrounding-spaces', '  https://example.com/  '],
    ['backslashes', 'https:\\\\example.com\\path'],
    ['relative-path', '/relative/path'],
    ['bare-domain', 'example.com'],
    ['protocol-relative', '//example.com/x'],
    ['garbage', 'not a url'],
    ['space-in-host', 'https://exa mple.com/'],
    ['scheme-only', 'http://'],
    ['empty', ''],
    ['null', null],
    ['number', 12345],
    ['array-one', ['https://arr.example.com/']],
    ['object', { href: 'https://example.com' }]
  ]
  for (const [name, u] of urls) {
    action(g, `track-${name}`, 'track', patch(baseTrack, { context: { page: { url: u } } }))
  }
  for (const [name, u] of urls.filter(([n]) => ['https-plain', 'idn', 'ipv6-loopback-port', 'relative-path', 'empty', 'custom-port', 'file'].includes(n))) {
    action(g, `page-${name}`, 'page', patch(basePage, { context: { page: { url: u } } }))
    action(g, `identify-${name}`, 'identify', patch(baseIdentify, { context: { page: { url: u } } }))
  }
}

// =============================================================================================
// timezone -> local_tz_offset
// =============================================================================================
{
  const g = 'timezone'
  const zones = [
    ['amsterdam', 'Europe/Amsterdam'], ['new-york', 'America/New_York'], ['kolkata-half-hour', 'Asia/Kolkata'],
    ['kathmandu-quarter-hour', 'Asia/Kathmandu'], ['lord-howe-half-hour-dst', 'Australia/Lord_Howe'], ['chatham', 'Pacific/Chatham'],
    ['st-johns', 'America/St_Johns'], ['kiritimati-plus-14', 'Pacific/Kiritimati'], ['niue-minus-11', 'Pacific/Niue'],
    ['utc', 'UTC'], ['etc-utc', 'Etc/UTC'], ['etc-gmt-plus-12', 'Etc/GMT+12'], ['etc-gmt-minus-14', 'Etc/GMT-14'],
    ['gmt', 'GMT'], ['lower-case-utc', 'utc'], ['lower-case-amsterdam', 'europe/amsterdam'], ['upper-case', 'EUROPE/LONDON'],
    ['link-us-pacific', 'US/Pacific'], ['link-calcutta', 'Asia/Calcutta'], ['pst-abbrev', 'PST'], ['est5edt', 'EST5EDT'],
    ['cest-invalid', 'CEST'], ['gmt-plus-5-invalid', 'GMT+5'], ['offset-string-invalid', '+05:30'], ['mars-invalid', 'Mars/Olympus'],
    ['padded-invalid', ' Europe/Amsterdam'], ['empty-string', ''], ['number-330', 330], ['number-zero', 0], ['boolean-true', true],
    ['null', null], ['object', { name: 'Europe/Paris' }], ['array-one', ['Europe/Paris']], ['tehran', 'Asia/Tehran'],
    ['sao-paulo', 'America/Sao_Paulo'], ['casablanca', 'Africa/Casablanca'],
    // Lone surrogates in an unknown zone: the RangeError shows their generalized UTF-8 as Latin-1.
    ['lone-high-surrogate-invalid', 'Europe/\ud800x'], ['lone-low-surrogate-invalid', '\udc00'],
    ['pair-then-lone-surrogate-invalid', 'a\ud83d\ude00\udbff']
  ]
  for (const [name, tz] of zones) {
    action(g, `track-properties-${name}`, 'track', patch(baseTrack, { properties: { timezone: tz } }))
  }
  for (const [name, tz] of zones.filter((_, i) => i % 3 === 0)) {
    action(g, `identify-traits-${name}`, 'identify', patch(baseIdentify, { traits: { timezone: tz } }))
    action(g, `group-traits-${name}`, 'group', patch(baseGroup, { traits: { timezone: tz } }))
  }
  action(g, 'page-properties-kolkata', 'page', patch(basePage, { properties: { timezone: 'Asia/Kolkata' } }))
  action(g, 'track-properties-wins-over-traits', 'track', patch(baseTrack, { properties: { timezone: 'Asia/Tokyo' }, traits: { timezone: 'America/Denver' } }))
  action(g, 'track-traits-fallback', 'track', patch(baseTrack, { traits: { timezone: 'America/Denver' } }))
  action(g, 'identify-properties-wins', 'identify', patch(baseIdentify, { properties: { timezone: 'Asia/Tokyo' }, traits: { timezone: 'America/Denver' } }))
  action(g, 'track-context-timezone-ignored', 'track', patch(baseTrack, { context: { timezone: 'Asia/Tokyo' } }))
  action(g, 'track-properties-null-traits-used', 'track', patch(baseTrack, { properties: { timezone: null }, traits: { timezone: 'Asia/Tokyo' } }))
  action(g, 'track-properties-empty-traits-ignored', 'track', patch(baseTrack, { properties: { timezone: '' }, traits: { timezone: 'Asia/Tokyo' } }))

  // `now` at DST transitions and around local midnight (ICU prints local midnight as hour 24).
  const clock = [
    ['amsterdam-before-spring-forward', 'Europe/Amsterdam', '2024-03-31T00:59:59.000Z'],
    ['amsterdam-at-spring-forward', 'Europe/Amsterdam', '2024-03-31T01:00:00.000Z'],
    ['amsterdam-before-fall-back', 'Europe/Amsterdam', '2024-10-27T00:59:59.999Z'],
    ['amsterdam-at-fall-back', 'Europe/Amsterdam', '2024-10-27T01:00:00.000Z'],
    ['amsterdam-local-midnight-winter', 'Europe/Amsterdam', '2024-01-15T23:00:00.000Z'],
    ['amsterdam-local-midnight-summer', 'Europe/Amsterdam', '2024-07-01T22:00:00.000Z'],
    ['amsterdam-midnight-plus-500ms', 'Europe/Amsterdam', '2024-01-15T23:00:00.500Z'],
    ['amsterdam-midnight-plus-1s', 'Europe/Amsterdam', '2024-01-15T23:00:01.000Z'],
    ['amsterdam-00-30-local', 'Europe/Amsterdam', '2024-01-15T23:30:00.000Z'],
    ['amsterdam-00-59-59-local', 'Europe/Amsterdam', '2024-01-15T23:59:59.000Z'],
    ['amsterdam-01-00-local', 'Europe/Amsterdam', '2024-01-16T00:00:00.000Z'],
    ['amsterdam-23-59-59-local', 'Europe/Amsterdam', '2024-01-15T22:59:59.999Z'],
    ['new-york-spring-forward', 'America/New_York', '2024-03-10T07:00:00.000Z'],
    ['new-york-fall-back', 'America/New_York', '2024-11-03T06:00:00.000Z'],
    ['new-york-local-midnight', 'America/New_York', '2024-06-15T04:00:00.000Z'],
    ['kolkata-local-midnight', 'Asia/Kolkata', '2024-06-14T18:30:00.000Z'],
    ['kolkata-local-noon', 'Asia/Kolkata', '2024-06-15T06:30:00.000Z'],
    ['lord-howe-dst-end', 'Australia/Lord_Howe', '2024-04-06T15:00:00.000Z'],
    ['lord-howe-dst-start', 'Australia/Lord_Howe', '2024-10-05T15:30:00.000Z'],
    ['lord-howe-local-midnight', 'Australia/Lord_Howe', '2024-06-14T13:30:00.000Z'],
    ['utc-midnight', 'UTC', '2024-06-15T00:00:00.000Z'],
    ['utc-new-year', 'UTC', '2025-01-01T00:00:00.000Z'],
    ['kiritimati-midnight', 'Pacific/Kiritimati', '2024-06-14T10:00:00.000Z'],
    ['chatham-dst-start', 'Pacific/Chatham', '2024-09-28T14:00:00.000Z'],
    ['leap-day', 'Europe/Amsterdam', '2024-02-29T11:00:00.000Z'],
    ['year-2038', 'Europe/Amsterdam', '2038-01-19T03:14:08.000Z'],
    ['year-1970', 'America/New_York', '1970-01-01T00:00:00.000Z'],
    ['now-with-offset-notation', 'Asia/Kolkata', '2024-06-15T05:30:00+05:30']
  ]
  for (const [name, tz, now] of clock) {
    action(g, `now-${name}`, 'track', patch(baseTrack, { properties: { timezone: tz } }), { now })
  }
}

// =============================================================================================
// values: numbers, unicode, keys, nesting inside event_attributes / custom attributes
// =============================================================================================
{
  const g = 'values'
  const vals = [
    ['max-safe-plus-two', raw('9007199254740993')],
    ['twenty-digits', raw('12345678901234567890')],
    ['thirty-digits', raw('123456789012345678901234567890')],
    ['one-e-21', 1e21],
    ['one-upper-e-21', raw('1E21')],
    ['one-e-plus-2', raw('1E+2')],
    ['one-point-zero', raw('1.0')],
    ['negative-zero-point-zero', raw('-0.0')],
    ['overflow-1e400', raw('1e400')],
    ['underflow-1e-400', raw('1e-400')],
    ['exponent-fraction', raw('0.1e1')],
    ['one-e-minus-7', 1e-7],
    ['negative-zero', -0],
    ['tiny', 5e-324],
    ['max-double', 1.7976931348623157e308],
    ['point-one-plus-point-two', 0.30000000000000004],
    ['long-decimal', 123.45600000000000307],
    ['negative-float', -273.15],
    ['unicode-mixed', 'naïve café — 日本語 — עברית — emoji 👩‍👩‍👧‍👦'],
    ['escapes', 'line1\nline2\t"quoted"\\back\u0000nul\u2028ls\u2029ps'],
    ['html', '<script>alert("x")</script> & &amp;'],
    ['empty-string', ''],
    ['null', null],
    ['true', true],
    ['nested-arrays', [[1, [2, [3, [4]]]], [], [[]]]],
    ['array-of-objects', [{ a: 1 }, { b: [null, { c: 'd' }] }]],
    ['deep-object', { l1: { l2: { l3: { l4: { l5: { l6: 'deep' } } } } } }],
    ['empty-object', {}],
    ['integer-like-keys', raw('{"b":1,"10":"ten","2":"two","a":0,"-1":"neg","01":"lead","4294967295":"max","4294967294":"maxidx","1.5":"f"}')],
    ['duplicate-keys', raw('{"dup":1,"x":true,"dup":2}')]
  ]
  for (const [name, v] of vals) {
    action(g, `track-property-${name}`, 'track', patch(baseTrack, { properties: { value: v, z_after: 'end' } }))
  }
  for (const [name, v] of vals.filter((_, i) => i % 2 === 0)) {
    action(g, `identify-trait-${name}`, 'identify', patch(baseIdentify, { traits: { value: v } }))
    action(g, `group-trait-${name}`, 'group', patch(baseGroup, { traits: { value: v } }))
  }
  action(g, 'track-integer-like-property-keys', 'track', patch(baseTrack, { properties: { zeta: 1, 3: 'c', 1: 'a', alpha: 2, 2: 'b' } }))
  action(g, 'identify-integer-like-trait-keys', 'identify', patch(baseIdentify, { traits: { 100: 'x', 7: 'y', email: 'k@example.com' } }))
  action(g, 'track-lone-surrogate-in-value', 'track', patch(baseTrack, { properties: { bad: 'x\ud800y', bad2: '\udfff' } }))
  action(g, 'track-lone-surrogate-in-key', 'track', patch(baseTrack, { properties: { ['k\ud83d']: 1 } }))
  action(g, 'track-unicode-keys', 'track', patch(baseTrack, { properties: { 'ключ': 'значение', '鍵': '値', 'emoji🔑': true, '': 'empty key' } }))
  action(g, 'track-proto-like-keys', 'track', patch(baseTrack, { properties: { constructor: 'c', toString: 't', hasOwnProperty: 'h' } }))
  action(g, 'track-huge-properties-object', 'track', patch(baseTrack, { properties: Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`key_${String(i).padStart(3, '0')}`, i % 7 === 0 ? null : i])) }))
  action(g, 'track-user-id-numeric-string-huge', 'track', patch(baseTrack, { userId: '12345678901234567890' }))
  action(g, 'identify-custom-collides-with-omitted-keys', 'identify', patch(baseIdentify, { traits: { email: 'c@example.com', created_at: 1, first_name: null, last_name: '', custom_field: 'kept' } }))
  action(g, 'group-custom-collides-with-omitted-keys', 'group', patch(baseGroup, { traits: { name: '', created_at: null, company_id: 'x', company_created_at: 'y', company_name: 'z' } }))
  action(g, 'track-custom-collides-with-omitted-keys', 'track', patch(baseTrack, { properties: { email: null, created_at: '', first_name: 'kept', last_name: 'kept' } }))
}

// =============================================================================================
// action-mappings: user-built mappings exercising every directive
// =============================================================================================
{
  const g = 'action-mappings'
  const p = (x) => ({ '@path': x })
  const trackReq = { event: p('$.event') }
  action(g, 'track-minimal-mapping-no-event-type', 'track', baseTrack, { mapping: trackReq })
  action(g, 'track-empty-mapping', 'track', baseTrack, { mapping: {} })
  action(g, 'track-reordered-fields', 'track', baseTrack, {
    mapping: { user_id: p('$.userId'), event_type: p('$.type'), event: p('$.event'), url: p('$.context.page.url'), event_attributes: p('$.properties') }
  })
  action(g, 'track-event-type-literal-overwritten', 'track', baseTrack, { mapping: { event_type: { '@literal': 'custom' }, event: p('$.event') } })
  action(g, 'identify-no-event-type', 'identify', baseIdentify, { mapping: { user_id: p('$.userId'), user_email: p('$.traits.email') } })
  action(g, 'identify-event-type-literal', 'identify', baseIdentify, { mapping: { event_type: 'custom', user_id: p('$.userId'), user_email: p('$.traits.email') } })
  action(g, 'group-no-event-type', 'group', baseGroup, { mapping: { company_id: p('$.groupId'), user_id: p('$.userId') } })
  action(g, 'page-no-event-type', 'page', basePage, { mapping: { page_name: p('$.name') } })
  action(g, 'page-empty-mapping', 'page', basePage, { mapping: {} })
  action(g, 'track-plain-literal-values', 'track', baseTrack, { mapping: { event: 'Fixed Name', user_id: 'fixed-user', event_attributes: { a: 1, b: [true, null] } } })
  action(g, 'track-template', 'track', baseTrack, { mapping: { event: { '@template': '{{event}} ({{properties.plan}}) x{{properties.seats}}' }, user_id: { '@template': 'id-{{userId}}-{{missing}}' } } })
  action(g, 'track-template-object', 'track', baseTrack, { mapping: { event: { '@template': '{{properties}}' } } })
  action(g, 'track-literal-object-and-number', 'track', baseTrack, { mapping: { event: { '@literal': 123 }, event_attributes: { '@literal': { nested: { x: [1, 2] } } } } })
  action(g, 'track-if-exists', 'track', baseTrack, {
    mapping: { event: p('$.event'), user_id: { '@if': { exists: p('$.userId'), then: p('$.userId'), else: p('$.anonymousId') } } }
  })
  action(g, 'track-if-blank-else-falsy', 'track', patch(baseTrack, { userId: '' }), {
    mapping: { event: p('$.event'), user_id: { '@if': { blank: p('$.userId'), then: 'had-value', else: '' } } }
  })
  action(g, 'track-if-blank-zero', 'track', patch(baseTrack, { userId: 0 }), {
    mapping: { event: p('$.event'), user_id: { '@if': { blank: p('$.userId'), then: 'not-blank', else: 'blank' } } }
  })
  action(g, 'track-array-path', 'track', orderCompleted, {
    mapping: { event: p('$.event'), event_attributes: { products: { '@arrayPath': ['$.properties.products', { id: p('$.product_id'), q: p('$.quantity') }] } } }
  })
  action(g, 'track-array-path-as-object-field', 'track', orderCompleted, {
    mapping: { event: p('$.event'), event_attributes: { '@arrayPath': ['$.properties.products', { id: p('$.product_id') }] } }
  })
  action(g, 'track-case-upper-lower', 'track', baseTrack, {
    mapping: { event: { '@case': { operator: 'upper', value: p('$.event') } }, user_id: { '@case': { operator: 'lower', value: 'MiXeD' } } }
  })
  action(g, 'track-replace', 'track', baseTrack, {
    mapping: { event: { '@replace': { pattern: ' ', replacement: '_', value: p('$.event') } }, user_email: { '@replace': { pattern: 'EXAMPLE', replacement: 'ex', ignorecase: true, global: false, value: 'a@example.example' } } }
  })
  action(g, 'track-replace-two-patterns', 'track', baseTrack, {
    mapping: { event: { '@replace': { pattern: 'Signed', replacement: 'Logged', pattern2: 'Up', replacement2: 'In', value: p('$.event') } } }
  })
  action(g, 'track-replace-null-value', 'track', patch(baseTrack, { properties: { n: null } }), {
    mapping: { event: p('$.event'), user_id: { '@replace': { pattern: 'x', replacement: 'y', value: p('$.properties.n') } } }
  })
  action(g, 'track-merge-right', 'track', patch(baseTrack, { context: { traits: { plan: 'free', region: 'eu' } } }), {
    mapping: { event: p('$.event'), event_attributes: { '@merge': { objects: [p('$.context.traits'), p('$.properties')], direction: 'right' } } }
  })
  action(g, 'track-merge-left', 'track', patch(baseTrack, { context: { traits: { plan: 'free', region: 'eu' } } }), {
    mapping: { event: p('$.event'), event_attributes: { '@merge': { objects: [p('$.context.traits'), p('$.properties')], direction: 'left' } } }
  })
  action(g, 'track-transform', 'track', baseTrack, {
    mapping: { event: p('$.event'), event_attributes: { '@transform': { apply: { wrapped: p('$.properties') }, mapping: { inner: p('$.wrapped.plan') } } } }
  })
  action(g, 'track-flatten', 'track', orderCompleted, {
    mapping: { event: p('$.event'), event_attributes: { '@flatten': { value: p('$.properties'), separator: '.' } } }
  })
  action(g, 'track-flatten-omit-arrays', 'track', orderCompleted, {
    mapping: { event: p('$.event'), event_attributes: { '@flatten': { value: p('$.properties'), separator: '__', omitArrays: true } } }
  })
  action(g, 'track-json-encode', 'track', baseTrack, {
    mapping: { event: { '@json': { mode: 'encode', value: p('$.properties') } } }
  })
  action(g, 'track-json-decode', 'track', patch(baseTrack, { properties: { raw: '{"k":[1,2,{"z":null}],"s":"t"}' } }), {
    mapping: { event: p('$.event'), event_attributes: { '@json': { mode: 'decode', value: p('$.properties.raw') } } }
  })
  action(g, 'track-json-decode-invalid', 'track', patch(baseTrack, { properties: { raw: '{not json' } }), {
    mapping: { event: p('$.event'), event_attributes: { '@json': { mode: 'decode', value: p('$.properties.raw') } } }
  })
  action(g, 'track-exclude-when-null', 'track', patch(baseTrack, { properties: { maybe: null } }), {
    mapping: { event: p('$.event'), user_id: { '@excludeWhenNull': p('$.properties.maybe') }, event_attributes: { keep: { '@excludeWhenNull': p('$.properties.plan') }, drop: { '@excludeWhenNull': p('$.properties.maybe') } } }
  })
  action(g, 'track-liquid', 'track', baseTrack, {
    mapping: { event: { '@liquid': '{{ event | upcase }} / {{ properties.seats | plus: 1 }}' }, user_id: { '@liquid': '{{ userId | split: "_" | last }}' } }
  })
  action(g, 'track-liquid-date-now', 'track', baseTrack, {
    mapping: { event: { '@liquid': '{{ "now" | date: "%Y-%m-%dT%H:%M:%S %z" }}' }, utc_time: { '@liquid': '{{ timestamp | date: "%s" }}' } }
  })
  action(g, 'track-liquid-disabled-tag', 'track', baseTrack, { mapping: { event: { '@liquid': '{% for x in properties %}{{x}}{% endfor %}' } } })
  action(g, 'track-liquid-syntax-error', 'track', baseTrack, { mapping: { event: { '@liquid': '{{ event | }}' } } })
  action(g, 'track-nested-utm-literals', 'track', baseTrack, {
    mapping: { event: p('$.event'), utm: { source: { '@literal': 'lit' }, medium: p('$.context.campaign.medium'), name: 5, extra: 'dropped' } }
  })
  action(g, 'track-screen-mapping-literals', 'track', baseTrack, { mapping: { event: p('$.event'), screen: { width: 1280, height: '720', density: '2.5' } } })
  action(g, 'track-screen-mapping-bad-integer', 'track', baseTrack, { mapping: { event: p('$.event'), screen: { width: 1280.5, height: 'x' } } })
  action(g, 'track-unknown-keys-dropped', 'track', baseTrack, { mapping: { event: p('$.event'), foo: 'bar', user_custom_attributes: p('$.properties'), company_id: 'c1' } })
  action(g, 'track-dynamic-auth-settings-survives', 'track', baseTrack, { mapping: { event: p('$.event'), dynamicAuthSettings: { token: 'dyn', n: 1 } } })
  action(g, 'identify-dynamic-auth-settings-survives', 'identify', baseIdentify, {
    mapping: { user_id: p('$.userId'), user_email: p('$.traits.email'), dynamicAuthSettings: { oauth: { access_token: 'x' } } }
  })
  action(g, 'track-path-missing-field-removed', 'track', baseTrack, { mapping: { event: p('$.event'), user_id: p('$.nope.nothing'), url: p('$.context.page.nope') } })
  action(g, 'track-path-whole-event', 'track', baseTrack, { mapping: { event: p('$.event'), event_attributes: p('$.') } })
  action(g, 'track-path-array-index', 'track', orderCompleted, { mapping: { event: p('$.properties.products.0.name'), user_id: p('properties.products.1.sku') } })
  action(g, 'track-event-attributes-array-error', 'track', orderCompleted, { mapping: { event: p('$.event'), event_attributes: p('$.properties.products') } })
  action(g, 'track-event-attributes-string-error', 'track', baseTrack, { mapping: { event: p('$.event'), event_attributes: p('$.event') } })
  action(g, 'track-user-id-object-error', 'track', baseTrack, { mapping: { event: p('$.event'), user_id: p('$.context.page') } })
  action(g, 'track-multiple-type-errors', 'track', baseTrack, {
    mapping: { event: { '@literal': { a: 1 } }, user_id: p('$.context'), screen: { width: 'w', height: 1.5 }, utm: 'nope' }
  })
  action(g, 'track-invalid-directive-error', 'track', baseTrack, { mapping: { event: { '@path': 123 } } })
  action(g, 'track-two-directives-error', 'track', baseTrack, { mapping: { event: { '@path': '$.event', '@template': 'x' } } })
  action(g, 'track-unknown-directive-error', 'track', baseTrack, { mapping: { event: { '@nope': 'x' } } })
  // AggregateError messages pass each problem's stack through clean-stack (backslashes become
  // slashes, blank lines and node-internal frame lines go) and indent-string (every line start,
  // after \r too): keys and values are the user's, so all of it shows.
  action(g, 'track-error-key-backslash', 'track', baseTrack, { mapping: { event: { 'k\\': { '@path': 1 }, 'x\\y': { '@nope': 1 } } } })
  action(g, 'track-error-value-backslash', 'track', baseTrack, {
    mapping: { event: { '@merge': { objects: [], direction: 'a\\b\u0000' } } }
  })
  action(g, 'track-error-key-blank-lines', 'track', baseTrack, { mapping: { event: { 'k\n\n \t\n x': { '@path': 1 } } } })
  action(g, 'track-error-key-carriage-return', 'track', baseTrack, { mapping: { event: { 'k\rv\u2028w': { '@path': 1 } } } })
  // removeUndefined copies what Array.isArray or realTypeOf(v) === 'object' accepts: reached
  // through __proto__ or constructor.prototype, Object.prototype becomes {} and
  // Array.prototype [] (then the schema sees an empty object or array).
  action(g, 'track-root-proto', 'track', baseTrack, { mapping: { '@path': '$.__proto__' } })
  action(g, 'group-root-constructor-prototype', 'group', baseGroup, { mapping: { '@path': '$.traits.constructor.prototype' } })
  action(g, 'track-attributes-from-prototypes', 'track', patch(baseTrack, { properties: { items: [1, 2] } }), {
    mapping: {
      event: p('$.event'),
      event_attributes: { o: { '@path': '$.__proto__' }, a: { '@path': '$.properties.items.__proto__' }, c: { '@path': '$.constructor.prototype' } }
    }
  })
  action(g, 'track-utm-array-prototype', 'track', patch(baseTrack, { properties: { items: [1, 2] } }), {
    mapping: { event: p('$.event'), utm: { '@path': '$.properties.items.constructor.prototype' } }
  })
  // An undefined array item stays undefined until validation: ajv's coerceTypes 'array'
  // unwraps a one-item array to it ("must be a string but it was undefined"); elsewhere
  // JSON.stringify prints it as null.
  action(g, 'track-timezone-undefined-item', 'track', baseTrack, { mapping: { event: p('$.event'), timezone: [p('$.nope')] } })
  action(g, 'track-timezone-array-path-undefined', 'track', baseTrack, {
    mapping: { event: p('$.event'), timezone: { '@arrayPath': ['$.properties', p('$.nope')] } }
  })
  action(g, 'track-screen-width-undefined-item', 'track', baseTrack, { mapping: { event: p('$.event'), screen: { width: [p('$.nope')], height: 2 } } })
  action(g, 'track-attributes-undefined-items', 'track', baseTrack, {
    mapping: { event: p('$.event'), event_attributes: { list: [p('$.nope'), 1, p('$.event')], one: [p('$.nope')], nested: { deeper: [[p('$.nope')]] } } }
  })
  action(g, 'track-timezone-null-item', 'track', baseTrack, { mapping: { event: p('$.event'), timezone: [null] } })
  action(g, 'track-error-key-frame-like', 'track', baseTrack, {
    mapping: { event: { 'k\n at node.js:1:2 y': { '@path': 1 }, 'k\n  at (x) y': { '@path': 2 }, 'j at (x) y': { '@path': 3 } } }
  })
  // Keys the aggregate message quotes: template braces, astral characters, lone surrogates.
  action(g, 'track-error-key-braces', 'track', baseTrack, { mapping: { event: p('$.event'), event_attributes: { 'a}}b': { '@nope': 1 }, '{{x}}': { '@path': 1 } } } })
  action(g, 'track-error-key-emoji', 'track', baseTrack, { mapping: { event: p('$.event'), event_attributes: { '😀': { '@path': 1 }, 'x😀y': { '@template': 1 } } } })
  action(g, 'track-error-key-lone-surrogates', 'track', baseTrack, { mapping: { event: p('$.event'), event_attributes: { '\ud800': { '@path': 1 }, 'x\udfff}}': { '@nope': 1 } } } })
  // Several problems at once: required fields first, then the fields in schema order.
  action(g, 'group-required-missing-and-type-errors', 'group', baseGroup, { mapping: { timezone: p('$.context'), user_id: p('$.context'), utm: 'x' } })
  action(g, 'identify-required-empty-and-null-reversed', 'identify', baseIdentify, { mapping: { screen: 5, user_email: '', user_id: null } })
  action(g, 'track-timezone-literal', 'track', baseTrack, { mapping: { event: p('$.event'), timezone: { '@literal': 'Asia/Kolkata' } } })
  action(g, 'track-url-literal', 'track', baseTrack, { mapping: { event: p('$.event'), url: 'https://mapped.example:8443/x' } })
  action(g, 'track-event-field-from-properties', 'track', patch(baseTrack, { properties: { event: 'from props' } }), { mapping: { event: p('$.properties.event') } })
  action(g, 'group-company-custom-literal', 'group', baseGroup, {
    mapping: { company_id: p('$.groupId'), user_id: p('$.userId'), company_custom_attributes: { name: 'n', created_at: 'c', company_id: 'i', company_created_at: 'cc', other: 'o' } }
  })
  action(g, 'identify-user-custom-literal', 'identify', baseIdentify, {
    mapping: { user_id: p('$.userId'), user_email: p('$.traits.email'), user_custom_attributes: { email: 'e', first_name: 'f', last_name: 'l', created_at: 'c', other: 'o' } }
  })
  action(g, 'identify-user-custom-null', 'identify', baseIdentify, {
    mapping: { user_id: p('$.userId'), user_email: p('$.traits.email'), user_custom_attributes: null }
  })
  action(g, 'page-template-page-name', 'page', basePage, { mapping: { page_name: { '@template': '{{category}} / {{name}}' }, user_id: p('$.userId') } })
  action(g, 'track-anonymous-id-mapped-null', 'track', baseTrack, { mapping: { event: p('$.event'), user_anonymous_id: null } })
  action(g, 'track-anonymous-id-literal-number', 'track', baseTrack, { mapping: { event: p('$.event'), user_anonymous_id: 42 } })
  action(g, 'track-all-fields-default-order-plus-extra', 'track', baseTrack, {
    mapping: { ...require_defaults('track'), dynamicAuthSettings: 'str', unknown: 1 }
  })
}

function require_defaults(name) {
  // defaultValues(fields) of the track action as it stands in 3.497.0 (kept literal so the case
  // file does not depend on the reference at generation time).
  const p = (x) => ({ '@path': x })
  if (name !== 'track') throw new Error('only track')
  return {
    event: p('$.event'),
    event_attributes: p('$.properties'),
    user_id: p('$.userId'),
    user_email: { '@if': { exists: p('$.properties.email'), then: p('$.properties.email'), else: p('$.context.traits.email') } },
    user_created_at: { '@if': { exists: p('$.properties.created_at'), then: p('$.properties.created_at'), else: p('$.context.traits.created_at') } },
    user_anonymous_id: p('$.anonymousId'),
    event_id: p('$.messageId'),
    doc_path: p('$.context.page.path'),
    doc_search: p('$.context.page.search'),
    event_type: p('$.type'),
    page_title: p('$.context.page.title'),
    referer: p('$.context.page.referrer'),
    url: p('$.context.page.url'),
    user_agent: p('$.context.userAgent'),
    user_language: p('$.context.locale'),
    utc_time: p('$.timestamp'),
    utm: {
      source: p('$.context.campaign.source'),
      medium: p('$.context.campaign.medium'),
      name: p('$.context.campaign.name'),
      term: p('$.context.campaign.term'),
      content: p('$.context.campaign.content')
    },
    screen: { height: p('$.context.screen.height'), width: p('$.context.screen.width'), density: p('$.context.screen.density') },
    timezone: { '@if': { exists: p('$.properties.timezone'), then: p('$.properties.timezone'), else: p('$.traits.timezone') } },
    source_ip: p('$.context.ip')
  }
}

// =============================================================================================
// settings: passed raw to executeAction (kind action) and validated first (kind route)
// =============================================================================================
{
  const g = 'settings'
  const variants = [
    ['typical', SETTINGS],
    ['hash-in-api-key', { api_key: 'abc#def', server_token: 'tok' }],
    ['hash-in-server-token', { api_key: 'abc', server_token: 'to#ken' }],
    ['spaces', { api_key: 'my key', server_token: ' tok en ' }],
    ['unicode', { api_key: 'ключ', server_token: 'トークン😀' }],
    ['url-special-chars', { api_key: 'a&b=c?d/e', server_token: '%41%zz+' }],
    ['legacy-url-escaped-chars', { api_key: `{a|b}^\`c'`, server_token: '<"x">\\y' }],
    ['control-chars', { api_key: 'a\tb\nc', server_token: 'd\re' }],
    ['dots', { api_key: 'a.b', server_token: '.c.' }],
    ['null-api-key', { api_key: null, server_token: 'tok' }],
    ['null-server-token', { api_key: 'abc', server_token: null }],
    ['empty-server-token', { api_key: 'abc', server_token: '' }],
    ['empty-both', { api_key: '', server_token: '' }],
    ['missing-server-token', { api_key: 'abc' }],
    ['missing-api-key', { server_token: 'tok' }],
    ['empty-object', {}],
    ['numbers', { api_key: 12345, server_token: 1.5e21 }],
    ['negative-zero', { api_key: -0, server_token: 0 }],
    ['booleans', { api_key: true, server_token: false }],
    ['arrays', { api_key: ['k1'], server_token: ['t1', 't2'] }],
    ['objects', { api_key: { k: 1 }, server_token: 'tok' }],
    ['extra-keys', { api_key: 'abc', server_token: 'tok', region: 'eu', apiKey: 'other' }],
    ['dynamic-auth-settings', { api_key: 'abc', server_token: 'tok', dynamicAuthSettings: { bearer: 'x' } }],
    ['oauth-and-subscriptions-keys', { api_key: 'abc', server_token: 'tok', oauth: { access_token: 'at' }, subscriptions: 'x', subcription: 'typo' }],
    ['very-long', { api_key: 'k'.repeat(2000), server_token: 't'.repeat(10) }],
    // `#` starts a fragment: kept in the request's URL (escaped as Node's URL and then
    // node-fetch's legacy url.format escape it), never sent.
    ['hash-key-frag', { api_key: 'key#frag', server_token: 'tok' }],
    ['hash-empty-fragment', { api_key: 'key#', server_token: 'tok' }],
    ['hash-only', { api_key: '#', server_token: '#' }],
    ['hash-in-both', { api_key: 'k#a', server_token: 't#b' }],
    ['hash-fragment-spaces-quotes', { api_key: 'k#a b"c<d>e`f\'g', server_token: ' t ' }],
    ['hash-fragment-legacy-escapes', { api_key: 'k#{a|b}^\\c', server_token: 't' }],
    ['hash-fragment-unicode', { api_key: 'k#ключ😀', server_token: 'トークン' }],
    ['hash-fragment-controls', { api_key: 'k#a\tb\nc\rd', server_token: 't\u0001' }],
    ['hash-fragment-query-chars', { api_key: 'k#?a=b&c=%41%zz+/x', server_token: 't' }],
    ['hash-fragment-lone-surrogate', { api_key: 'k#\ud800', server_token: 't' }]
  ]
  for (const [name, s] of variants) {
    action(g, `action-track-${name}`, 'track', baseTrack, { settings: s })
    route(g, `route-presets-track-${name}`, baseTrack, null, { settings: s })
  }
  for (const [name, s] of variants.filter(([n]) => ['null-api-key', 'numbers', 'hash-in-api-key', 'empty-server-token'].includes(n))) {
    action(g, `action-identify-${name}`, 'identify', baseIdentify, { settings: s })
  }
}

// =============================================================================================
// route: presets and custom subscriptions
// =============================================================================================
{
  const g = 'route'
  const p = (x) => ({ '@path': x })
  route(g, 'presets-track', baseTrack, null)
  route(g, 'presets-order-completed', orderCompleted, null)
  route(g, 'presets-identify', baseIdentify, null)
  route(g, 'presets-identify-engage', engageIdentify, null)
  route(g, 'presets-group', baseGroup, null)
  route(g, 'presets-page', basePage, null)
  route(g, 'presets-screen-no-match', { ...patch(baseTrack, { event: DELETE }), type: 'screen', name: 'Home', context: iosContext }, null)
  route(g, 'presets-alias-no-match', { type: 'alias', userId: 'new', previousId: 'old' }, null)
  route(g, 'presets-type-missing-no-match', patch(baseTrack, { type: DELETE }), null)
  route(g, 'presets-type-uppercase-no-match', patch(baseTrack, { type: 'TRACK' }), null)
  route(g, 'presets-track-invalid-timezone', patch(baseTrack, { properties: { timezone: 'Nowhere/Land' } }), null)
  route(g, 'presets-track-relative-url', patch(baseTrack, { context: { page: { url: '/relative' } } }), null)
  route(g, 'presets-identify-missing-email', patch(baseIdentify, { traits: { email: DELETE } }), null)
  route(g, 'presets-group-missing-group-id', patch(baseGroup, { groupId: DELETE }), null)
  route(g, 'presets-page-kolkata-midnight', patch(basePage, { properties: { timezone: 'Asia/Kolkata' } }), null, { now: '2024-06-14T18:30:00.000Z' })

  const trackSub = (subscribe, mapping) => ({ subscribe, partnerAction: 'track', mapping: mapping === undefined ? { event: p('$.event'), user_id: p('$.userId') } : mapping })
  route(g, 'custom-event-equals', orderCompleted, [trackSub('type = "track" and event = "Order Completed"')])
  route(g, 'custom-event-equals-no-match', baseTrack, [trackSub('type = "track" and event = "Order Completed"')])
  route(g, 'custom-or', baseTrack, [trackSub('event = "Signed Up" or event = "Signed In"')])
  route(g, 'custom-contains', orderCompleted, [trackSub('contains(event, "Order")')])
  route(g, 'custom-not-contains', orderCompleted, [trackSub('!contains(event, "Order")')])
  route(g, 'custom-match-prefix', orderCompleted, [trackSub('match(event, "Order*")')])
  route(g, 'custom-match-suffix', orderCompleted, [trackSub('match(event, "*Completed")')])
  route(g, 'custom-numeric-gt', orderCompleted, [trackSub('properties.total > 20')])
  route(g, 'custom-numeric-gt-string', orderCompleted, [trackSub('properties.total > "20"')])
  route(g, 'custom-numeric-eq-string-vs-number', orderCompleted, [trackSub('properties.shipping = "3"'), trackSub('properties.shipping = 3')])
  route(g, 'custom-not-is-ignored', baseTrack, [trackSub('not type = "track"')])
  route(g, 'custom-mixed-and-or', baseTrack, [trackSub('type = "identify" and event = "Signed Up" or userId = "user_8f2b1c"')])
  route(g, 'custom-parentheses', baseTrack, [trackSub('(event = "Signed Up" or event = "X") and type = "track"')])
  route(g, 'custom-nested-parentheses-invalid', baseTrack, [trackSub('((type = "track"))')])
  route(g, 'custom-empty-subscribe-invalid', baseTrack, [trackSub('')])
  route(g, 'custom-null-subscribe-invalid', baseTrack, [{ subscribe: null, partnerAction: 'track', mapping: {} }])
  route(g, 'custom-garbage-subscribe-invalid', baseTrack, [trackSub('type === track')])
  route(g, 'custom-unterminated-string-invalid', baseTrack, [trackSub('type = "track')])
  route(g, 'custom-type-equals-nothing', baseTrack, [trackSub('type = ')])
  route(g, 'custom-mapping-null-becomes-empty', baseTrack, [{ subscribe: 'type = "track"', partnerAction: 'track', mapping: null }])
  route(g, 'custom-mapping-missing-becomes-empty', basePage, [{ subscribe: 'type = "page"', partnerAction: 'page' }])
  route(g, 'custom-unknown-action-noop', baseTrack, [{ subscribe: 'type = "track"', partnerAction: 'teleport', mapping: {} }])
  route(g, 'custom-identify-event-to-track-action', baseIdentify, [trackSub('type = "identify"', { event: { '@literal': 'Identified' }, user_id: p('$.userId'), event_attributes: p('$.traits') })])
  route(g, 'custom-two-matches-both-generate-ids', patch(baseTrack, { anonymousId: DELETE }), [
    trackSub('type = "track"'),
    { subscribe: 'event = "Signed Up"', partnerAction: 'page', mapping: { page_name: p('$.event') } }
  ])
  route(g, 'custom-mixed-valid-invalid-nomatch', baseTrack, [
    trackSub(''),
    trackSub('type = "identify"'),
    trackSub('type = "track"'),
    trackSub('((x))'),
    { subscribe: 'type = "track"', partnerAction: 'identify', mapping: { user_id: p('$.userId') } }
  ])
  route(g, 'custom-userid-exists', baseTrack, [trackSub('userId exists')])
  route(g, 'custom-userid-exists-null', patch(baseTrack, { userId: null }), [trackSub('userId exists')])
  route(g, 'custom-context-path', baseTrack, [trackSub('context.library.name = "analytics.js"')])
  route(g, 'custom-boolean', baseTrack, [trackSub('properties.trial = true')])
  route(g, 'custom-all-presets-plus-custom', baseTrack, [
    ...[
      ['type = "track"', 'track'],
      ['type = "identify"', 'identify'],
      ['type = "group"', 'group'],
      ['type = "page"', 'page']
    ].map(([subscribe, partnerAction]) => ({ subscribe, partnerAction, mapping: null })),
    trackSub('event = "Signed Up"')
  ])
  route(g, 'custom-subscription-with-extra-keys', baseTrack, [{ subscribe: 'type = "track"', partnerAction: 'track', mapping: { event: p('$.event') }, name: 'x', enabled: false, ID: 'sub1' }])
  route(g, 'empty-subscriptions', baseTrack, [])
}

// =============================================================================================
// transform: mapping-kit directive edge cases beyond Segment's own suite
// =============================================================================================
{
  const g = 'transform'
  const p = (x) => ({ '@path': x })
  const input = {
    str: 'Hello World',
    num: 42,
    zero: 0,
    neg0: -0,
    big: 9007199254740993,
    f: 1.5,
    t: true,
    fa: false,
    nul: null,
    empty: '',
    arr: [1, 'two', { three: 3 }, null],
    emptyArr: [],
    obj: { a: 1, b: { c: [1, 2] }, 10: 'ten', 2: 'two' },
    emptyObj: {},
    nested: { list: [{ id: 1, tags: ['x'] }, { id: 2, tags: [] }, { id: 3 }] },
    unicode: 'ÄÖÜ straße ǅ 🍕',
    'dotted.key': 'dk',
    $: { x: 'dollar' },
    date: '2024-06-15T11:59:59.993Z'
  }
  // @path
  const paths = ['$.str', 'str', '$.$.x', '$.obj.b.c.1', 'arr.2.three', 'arr[2].three', 'dotted.key', '$.nul.x', '$.zero.x', '$.fa.x',
    '$.empty.length', '$.str.length', '$.arr.length', '', '$.', '$', '$..str', 'obj.10', 'nested.list.1.tags', 'missing.deep.path', ' str']
  paths.forEach((x, i) => transform(g, `path-${i}-${x.replace(/[^a-z0-9]+/gi, '_') || 'empty'}`, { v: p(x) }, input))
  // @template
  const templates = ['{{str}}', '{{num}}-{{f}}-{{t}}-{{fa}}', '{{nul}}|{{missing}}|{{empty}}', '{{arr}}', '{{obj}}', '{{neg0}}', '{{big}}',
    '{{ str }}', '{{{str}}}', '{{obj.b.c}}', '{{nested.list.0.id}}', '{{unicode}}', '<b>{{str}}</b>', '{{str', 'no placeholders', '{{}}', '{{$.str}}']
  templates.forEach((t, i) => transform(g, `template-${i}`, { v: { '@template': t } }, input))
  // @literal
  ;[1e21, -0, null, [], {}, 'x', { '@path': '$.str' }].forEach((v, i) => transform(g, `literal-${i}`, { v: { '@literal': v } }, input))
  // @if
  const ifs = [
    ['exists-zero', { exists: p('$.zero'), then: 'yes', else: 'no' }],
    ['exists-null', { exists: p('$.nul'), then: 'yes', else: 'no' }],
    ['exists-empty', { exists: p('$.empty'), then: 'yes', else: 'no' }],
    ['exists-missing', { exists: p('$.missing'), then: 'yes', else: 'no' }],
    ['blank-empty', { blank: p('$.empty'), then: 'not-blank', else: 'blank' }],
    ['blank-null', { blank: p('$.nul'), then: 'not-blank', else: 'blank' }],
    ['blank-false', { blank: p('$.fa'), then: 'not-blank', else: 'blank' }],
    ['blank-empty-array', { blank: p('$.emptyArr'), then: 'not-blank', else: 'blank' }],
    ['blank-string', { blank: p('$.str'), then: 'not-blank', else: 'blank' }],
    ['no-else', { exists: p('$.missing'), then: 'yes' }],
    ['else-zero', { exists: p('$.missing'), then: 'yes', else: 0 }],
    ['no-then', { exists: p('$.str'), else: 'no' }],
    ['no-condition', { then: 'yes', else: 'no' }],
    ['then-directive', { exists: p('$.str'), then: { '@template': '{{str}}!' } }]
  ]
  ifs.forEach(([n, o]) => transform(g, `if-${n}`, { v: { '@if': o } }, input))
  // @case
  ;[['upper-unicode', 'upper', p('$.unicode')], ['lower', 'lower', p('$.str')], ['number', 'upper', p('$.num')], ['null', 'lower', p('$.nul')],
    ['empty', 'upper', p('$.empty')], ['bad-operator', 'title', p('$.str')], ['array', 'upper', p('$.arr')]]
    .forEach(([n, op, v]) => transform(g, `case-${n}`, { v: { '@case': { operator: op, value: v } } }, input))
  // @replace
  const reps = [
    ['regex-chars-literal', { pattern: '.', replacement: '!', value: 'a.b.c' }],
    ['dollar-replacement', { pattern: 'World', replacement: '$&-$1-$$', value: p('$.str') }],
    ['not-global', { pattern: 'l', replacement: 'L', global: false, value: p('$.str') }],
    ['ignorecase', { pattern: 'WORLD', replacement: 'there', ignorecase: true, value: p('$.str') }],
    ['number-value', { pattern: '2', replacement: 'x', value: p('$.num') }],
    ['boolean-value', { pattern: 'ue', replacement: 'UE', value: p('$.t') }],
    ['null-value', { pattern: 'x', replacement: 'y', value: p('$.nul') }],
    ['missing-value', { pattern: 'x', replacement: 'y', value: p('$.missing') }],
    ['object-value', { pattern: 'x', replacement: 'y', value: p('$.obj') }],
    ['no-replacement', { pattern: 'o', value: p('$.str') }],
    ['pattern2-no-replacement2', { pattern: 'H', replacement: 'J', pattern2: 'W', value: p('$.str') }],
    ['empty-pattern', { pattern: '', replacement: 'y', value: p('$.str') }],
    ['unicode', { pattern: 'ß', replacement: 'ss', value: p('$.unicode') }]
  ]
  reps.forEach(([n, o]) => transform(g, `replace-${n}`, { v: { '@replace': o } }, input))
  // @arrayPath
  const aps = [
    ['objects', ['$.nested.list', { id: p('$.id'), first: p('$.tags.0') }]],
    ['no-mapping', ['$.nested.list']],
    ['object-wrapped', ['$.obj', { a: p('$.a') }]],
    ['string', ['$.str', { x: p('$.x') }]],
    ['missing', ['$.missing', { x: p('$.x') }]],
    ['empty-array', ['$.emptyArr', { x: p('$.x') }]],
    ['primitives', ['$.arr', { v: p('$.') }]],
    ['directive-path', [p('$.nested.list'), { id: p('$.id') }]]
  ]
  aps.forEach(([n, o]) => transform(g, `arraypath-${n}`, { v: { '@arrayPath': o } }, input))
  // @merge
  const merges = [
    ['right-overlap', { objects: [{ a: 1, b: 1 }, { b: 2, c: 2 }], direction: 'right' }],
    ['left-overlap', { objects: [{ a: 1, b: 1 }, { b: 2, c: 2 }], direction: 'left' }],
    ['with-paths', { objects: [p('$.obj'), p('$.emptyObj'), { a: 'over' }], direction: 'right' }],
    ['missing-path', { objects: [p('$.missing'), { a: 1 }], direction: 'right' }],
    ['null-path', { objects: [p('$.nul'), { a: 1 }], direction: 'right' }],
    ['string-path', { objects: [p('$.str'), { a: 1 }], direction: 'right' }],
    ['integer-keys-order', { objects: [raw('{"z":1,"5":"five"}'), raw('{"1":"one","a":2}')], direction: 'right' }]
  ]
  merges.forEach(([n, o]) => transform(g, `merge-${n}`, { v: { '@merge': o } }, input))
  // @transform
  transform(g, 'transform-nested', { v: { '@transform': { apply: { x: p('$.obj'), y: p('$.str') }, mapping: { out: { '@template': '{{y}}:{{x.a}}' } } } } }, input)
  transform(g, 'transform-missing-mapping', { v: { '@transform': { apply: { x: 1 } } } }, input)
  // @flatten
  const flats = [
    ['default', { value: p('$.obj'), separator: '.' }],
    ['nested-list', { value: p('$.nested'), separator: '/' }],
    ['omit-arrays', { value: p('$.nested'), separator: '.', omitArrays: true }],
    ['primitive', { value: p('$.str'), separator: '.' }],
    ['null', { value: p('$.nul'), separator: '.' }],
    ['empty-object', { value: p('$.emptyObj'), separator: '.' }],
    ['separator-path', { value: p('$.obj'), separator: p('$.str') }]
  ]
  flats.forEach(([n, o]) => transform(g, `flatten-${n}`, { v: { '@flatten': o } }, input))
  // @json
  const jsons = [
    ['encode-object', { mode: 'encode', value: p('$.obj') }],
    ['encode-string', { mode: 'encode', value: p('$.str') }],
    ['encode-null', { mode: 'encode', value: p('$.nul') }],
    ['encode-neg0-big', { mode: 'encode', value: { '@literal': [-0, 1e21, 9007199254740993] } }],
    ['decode-valid', { mode: 'decode', value: '{"b":1,"a":[true,null],"1":"x"}' }],
    ['decode-invalid', { mode: 'decode', value: '{oops' }],
    ['decode-number-string', { mode: 'decode', value: '12345678901234567890' }],
    ['decode-non-string', { mode: 'decode', value: p('$.num') }],
    ['missing-value', { mode: 'encode', value: p('$.missing') }]
  ]
  jsons.forEach(([n, o]) => transform(g, `json-${n}`, { v: { '@json': o } }, input))
  // @excludeWhenNull
  ;[['null', p('$.nul')], ['empty', p('$.empty')], ['zero', p('$.zero')], ['missing', p('$.missing')], ['value', p('$.str')], ['literal-null', { '@literal': null }]]
    .forEach(([n, v]) => transform(g, `exclude-when-null-${n}`, { v: { '@excludeWhenNull': v }, keep: 1 }, input))
  // @liquid
  const liquids = [
    ['basic', '{{ str | downcase }}'],
    ['math', '{{ num | times: 2 | plus: 0.5 }}'],
    ['missing-var', '[{{ missing }}]'],
    ['null-var', '[{{ nul }}]'],
    ['array-join', '{{ arr | join: "," }}'],
    ['object', '{{ obj }}'],
    ['if-tag', '{% if t %}yes{% else %}no{% endif %}'],
    ['assign', '{% assign x = str | split: " " %}{{ x[1] }}'],
    ['date-now', '{{ "now" | date: "%Y-%m-%d %H:%M:%S" }}'],
    ['date-field', '{{ date | date: "%a, %b %d, %y %H:%M %Z" }}'],
    ['date-unix', '{{ 1718452800 | date: "%Y-%m-%d" }}'],
    ['escape', '{{ "<a href=x>" | escape }}'],
    ['default-filter', '{{ missing | default: "fallback" }}'],
    ['size', '{{ arr | size }}-{{ str | size }}'],
    ['number-output', '{{ big }}'],
    ['neg-zero', '{{ neg0 }}'],
    ['unicode-upcase', '{{ unicode | upcase }}'],
    ['disabled-filter-sort', '{{ arr | sort }}'],
    ['unclosed', '{{ str'],
    ['unknown-filter', '{{ str | nope }}'],
    ['empty-template', '']
  ]
  liquids.forEach(([n, t]) => transform(g, `liquid-${n}`, { v: { '@liquid': t } }, input))
  transform(g, 'liquid-date-now-fixed-clock', { v: { '@liquid': '{{ "now" | date: "%s" }}' } }, input, { now: '2030-12-31T23:59:59.000Z' })
  // liquid `date` with a time zone: V8's name resolution and ICU's history (no backzone; names
  // IANA dropped are kept, `Factory` is refused); an offset with seconds (local mean time)
  // shifts the seconds and prints as fractional minutes.
  const tzZones = ['Factory', 'EST5EDT', 'US/Pacific-New', 'Asia/Calcutta', 'europe/amsterdam', 'CET', 'WET', 'America/Nuuk', 'Canada/East-Saskatchewan', 'Europe/Zürich', 'Etc/GMT+5']
  const tzDates = ['2024-06-15T12:00:00Z', '1950-06-15T12:00:00Z', '1900-01-01T00:00:00.700Z']
  tzZones.forEach((z) =>
    tzDates.forEach((d, i) =>
      transform(g, `liquid-date-zone-${z.replace(/[^A-Za-z0-9]+/g, '-')}-${i}`, { v: { '@liquid': "{{ d | date: '%Y-%m-%d %H:%M:%S %z', tz }}" } }, { d, tz: z })
    )
  )
  // structure
  transform(g, 'nested-undefined-removed', { a: { b: p('$.missing'), c: { d: p('$.missing') } }, e: [p('$.missing'), 1] }, input)
  transform(g, 'array-mapping-elements', { list: [p('$.str'), { '@literal': null }, p('$.missing'), { x: p('$.num') }] }, input)
  transform(g, 'integer-like-keys-in-mapping', { b: 1, 3: p('$.str'), a: 2, 1: p('$.num') }, input)
  transform(g, 'top-level-directive', p('$.obj'), input)
  transform(g, 'top-level-directive-undefined', p('$.missing'), input)
  transform(g, 'top-level-null', null, input)
  transform(g, 'top-level-number', 5, input)
  transform(g, 'input-array', { v: p('$.0') }, [10, 20])
  transform(g, 'input-null', { v: p('$.x') }, null)
  transform(g, 'keys-with-at-not-directive', { '@': 1, 'a@b': 2, '@@path': '$.str' }, input)
  transform(g, 'directive-with-extra-key-invalid', { v: { '@path': '$.str', other: 1 } }, input)
}

// ---------------------------------------------------------------------------------------------
// Hostile keys and values: keys special to JavaScript (`__proto__`, Object.prototype members,
// index look-alikes) in events and mappings, values that reach built-ins through lookups, strings
// of astral characters and lone surrogates. Hand-written cases name each behaviour; the rest are
// random events and user-built mappings from random-cases.js with a fixed seed (agreement.js
// draws the same kind of cases from fresh seeds).
// ---------------------------------------------------------------------------------------------
{
  const g = 'hostile'
  const p = (path) => ({ '@path': path })
  const ev = (text) => raw(text)
  const track = (props) => ev(`{"type":"track","event":"Signed Up","userId":"u1","messageId":"m1","timestamp":"2024-06-15T11:59:59.993Z","properties":${props},"context":{"page":{"url":"https://www.acme.io/a"}}}`)
  // __proto__ in events: an object value becomes the copy's prototype, anything else vanishes.
  action(g, 'event-proto-object-in-properties', 'track', track('{"plan":"pro","__proto__":{"admin":true}}'))
  action(g, 'event-proto-primitive-in-properties', 'track', track('{"plan":"pro","__proto__":7}'))
  action(g, 'event-proto-null-in-properties', 'track', track('{"plan":"pro","__proto__":null}'))
  action(g, 'event-proto-array-in-properties', 'track', track('{"plan":"pro","__proto__":[1,2]}'))
  action(g, 'event-proto-nested', 'track', track('{"a":{"__proto__":{"b":1},"c":2}}'))
  action(g, 'event-proto-in-traits', 'identify', ev('{"type":"identify","userId":"u1","traits":{"email":"a@b.co","__proto__":{"x":1},"name":"n"}}'))
  action(g, 'event-proto-top-level', 'track', ev('{"__proto__":{"event":"Inherited"},"type":"track","event":"Own","userId":"u1"}'))
  action(g, 'event-shadowing-keys', 'track', track('{"toString":"x","valueOf":1,"constructor":"c","hasOwnProperty":false}'))
  route(g, 'route-event-proto-object', track('{"plan":"pro","__proto__":{"admin":true}}'), null)
  route(g, 'route-event-proto-primitive', track('{"__proto__":"x","plan":"pro"}'), null)
  route(g, 'route-event-proto-in-context-page', ev('{"type":"page","userId":"u1","context":{"page":{"__proto__":{"url":"https://evil.test/"},"path":"/a"}}}'), null)
  // __proto__ as a mapping key.
  action(g, 'mapping-proto-key-object', 'track', track('{"plan":"pro"}'), { mapping: JSON.parse('{"event":{"@path":"$.event"},"__proto__":{"user_id":{"@path":"$.userId"}}}') })
  action(g, 'mapping-proto-key-in-object-field', 'track', track('{"plan":"pro"}'), { mapping: JSON.parse('{"event":{"@path":"$.event"},"event_attributes":{"__proto__":{"a":{"@path":"$.properties.plan"}},"b":1}}') })
  transform(g, 'mapping-proto-key-dropped', JSON.parse('{"__proto__":{"a":{"@path":"$.x"}},"b":{"@path":"$.x"}}'), { x: 1 })
  transform(g, 'mapping-proto-key-primitive', JSON.parse('{"__proto__":5,"b":1}'), {})
  transform(g, 'literal-proto-key', JSON.parse('{"v":{"@literal":{"__proto__":{"a":1},"b":2}}}'), {})
  transform(g, 'array-path-over-replaced-prototype', JSON.parse('{"v":{"@arrayPath":[{"@literal":{"__proto__":{"x":1},"y":2}},{"x":{"@path":"$.x"},"y":{"@path":"$.y"}}]}}'), {})
  transform(g, 'transform-sees-prototype-from-event', JSON.parse('{"@transform":{"apply":{"p":{"@path":"$.p"}},"mapping":{"a":{"@path":"$.p.a"},"own":{"@path":"$.p.b"}}}}'), JSON.parse('{"p":{"__proto__":{"a":1},"b":2}}'))
  transform(g, 'merge-assigns-proto', JSON.parse('{"v":{"@merge":{"direction":"right","objects":[{"@path":"$.p"},{"c":3}]}}}'), JSON.parse('{"p":{"__proto__":{"a":1},"b":2}}'))
  transform(g, 'exclude-when-null-assigns-proto', JSON.parse('{"v":{"@excludeWhenNull":{"@path":"$.p"}}}'), JSON.parse('{"p":{"__proto__":{"a":null},"b":null,"c":1}}'))
  transform(g, 'flatten-proto-key', JSON.parse('{"v":{"@flatten":{"separator":".","value":{"@path":"$.p"}}}}'), JSON.parse('{"p":{"__proto__":{"a":1},"b":{"__proto__":2}}}'))
  // Lookups through the prototype chain.
  transform(g, 'path-constructor-name', { a: p('$.constructor.name'), b: p('$.s.constructor.name'), c: p('$.n.constructor.name'), d: p('$.arr.constructor.name'), e: p('$.t.constructor.name') }, { s: 'x', n: 1, arr: [], t: true })
  transform(g, 'path-proto', { a: p('$.__proto__'), b: p('$.arr.__proto__'), c: p('$.__proto__.__proto__'), d: p('$.s.__proto__') }, { s: 'x', arr: [1] })
  transform(g, 'path-functions', { a: p('$.toString'), b: p('$.toString.name'), c: p('$.s.trim.length'), d: p('$.arr.map.name'), e: p('$.hasOwnProperty.length') }, { s: 'x', arr: [1] })
  transform(g, 'path-own-key-shadows', { a: p('$.p.toString'), b: p('$.p.constructor'), c: p('$.p.__proto__') }, JSON.parse('{"p":{"toString":"own","constructor":0,"__proto__":"data"}}'))
  transform(g, 'path-length-and-index', { a: p('$.s.length'), b: p('$.s.1'), c: p('$.s.2'), d: p('$.arr.length'), e: p('$.e.length') }, { s: 'a😀b', arr: [1, 2], e: '👍🏽' })
  transform(g, 'path-function-caller-throws', { a: p('$.toString.caller') }, {})
  transform(g, 'template-functions-and-prototypes', { a: { '@template': '{{constructor}}|{{__proto__}}|{{s.length}}|{{s.constructor.name}}' } }, { s: 'a😀' })
  transform(g, 'template-surrogate-halves-join', { a: { '@template': '{{s.1}}{{s.2}}|{{s.2}}{{s.1}}' } }, { s: 'a😀' })
  transform(g, 'if-exists-inherited', { a: { '@if': { exists: p('$.constructor'), then: 'yes', else: 'no' } }, b: { '@if': { exists: p('$.nope'), then: 'yes', else: 'no' } } }, {})
  transform(g, 'json-encode-functions', { a: { '@json': { mode: 'encode', value: p('$.constructor') } }, b: { '@json': { mode: 'encode', value: p('$.__proto__') } } }, {})
  transform(g, 'flatten-function', { a: { '@flatten': { separator: '.', value: p('$.constructor') } }, b: { '@flatten': { separator: '.', value: p('$.__proto__') } } }, {})
  // String(obj) throws when an own toString is not a function.
  transform(g, 'template-string-of-shadowed-to-string', { a: { '@template': '{{p}}' } }, { p: { toString: 'x' } })
  transform(g, 'template-string-of-shadowed-value-of', { a: { '@template': '{{p}}' } }, { p: { valueOf: 'x' } })
  transform(g, 'template-array-holding-shadowed-object', { a: { '@template': '{{p}}' } }, { p: [1, { toString: 1 }] })
  transform(g, 'template-null-prototype', { a: { '@template': '{{p}}' } }, JSON.parse('{"p":{"__proto__":null}}'))
  transform(g, 'if-blank-shadowed-to-string', { a: { '@if': { blank: p('$.p'), then: 1, else: 2 } } }, { p: { toString: 1 } })
  transform(g, 'liquid-shadowed-to-string', { a: { '@liquid': '{{ p }}' } }, { p: { toString: 'x' } })
  transform(g, 'liquid-filter-shadowed-to-string', { a: { '@liquid': '{{ p | append: "!" }}' } }, { p: { toString: 'x' } })
  transform(g, 'liquid-own-properties-only', { a: { '@liquid': '{{ s.constructor }}|{{ p.toString }}|{{ p.__proto__.a }}|{{ s.length }}' } }, JSON.parse('{"s":"ab","p":{"__proto__":{"a":5}}}'))
  action(g, 'track-template-shadowed-to-string', 'track', track('{"toString":"x"}'), { mapping: { event: { '@template': '{{properties}}' } } })
  // Functions and prototypes reach the schema as values.
  action(g, 'field-holds-function', 'track', track('{}'), { mapping: { event: p('$.event'), user_id: p('$.toString'), event_attributes: p('$.constructor'), doc_path: p('$.event.trim') } })
  action(g, 'field-holds-prototype', 'track', track('{}'), { mapping: { event: p('$.event'), event_attributes: p('$.__proto__'), utm: p('$.properties.__proto__'), user_id: p('$.event.__proto__') } })
  action(g, 'object-field-with-function-inside', 'identify', ev('{"userId":"u1","traits":{"email":"a@b.co"}}'), { mapping: { user_id: p('$.userId'), user_email: p('$.traits.email'), user_custom_attributes: { f: p('$.constructor'), n: p('$.constructor.name'), list: [p('$.toString'), 1] } } })
  // UTF-16 code units.
  transform(g, 'merge-string-by-code-units', { a: { '@merge': { direction: 'right', objects: [p('$.s')] } } }, { s: 'a😀🇫🇷' })
  transform(g, 'merge-lone-surrogate-string', { a: { '@merge': { direction: 'right', objects: [p('$.s')] } } }, { s: raw('"x\\ud83d"') })
  // Actions the destination lacks, and action names Object.prototype has.
  action(g, 'unknown-action-screen', 'screen', track('{}'))
  action(g, 'unknown-action-with-mapping', 'alias', track('{}'), { mapping: { a: p('$.event') } })
  action(g, 'action-named-constructor', 'constructor', track('{}'))
  action(g, 'action-named-proto', '__proto__', track('{}'))
  route(g, 'partner-action-object-members', track('{}'), [
    { subscribe: 'type = "track"', partnerAction: 'toString', mapping: {} },
    { subscribe: 'type = "track"', partnerAction: 'screen', mapping: {} },
    { subscribe: 'type = "track"', partnerAction: 'hasOwnProperty', mapping: { '@bad': 1 } },
    { subscribe: 'type = "track"', partnerAction: 'track', mapping: JSON.parse('{"event":{"@path":"$.event"},"__proto__":{"x":1}}') }
  ])
  // FQL over inherited members.
  route(g, 'trigger-inherited-members', track('{"plan":"pro"}'), [
    { subscribe: 'properties.constructor exists', partnerAction: 'track', mapping: { event: p('$.event') } },
    { subscribe: 'properties.toString.name = "toString"', partnerAction: 'track', mapping: { event: p('$.event') } },
    { subscribe: 'properties.__proto__ exists', partnerAction: 'track', mapping: { event: p('$.event') } }
  ])
  // Two steps up from a plain object: Object.prototype's prototype is null.
  action(g, 'mapping-path-proto-proto', 'track', track('{"plan":"pro"}'), { mapping: { event: p('$.event'), user_id: p('$.__proto__.__proto__'), event_attributes: p('$.properties.__proto__.__proto__') } })
  action(g, 'mapping-root-path-proto-proto', 'track', track('{"plan":"pro"}'), { mapping: { '@path': '$.__proto__.__proto__' } })
  // resolved[key] = … in strict code: a key read-only up a prototype chain that a `__proto__` key
  // put a built-in on throws (a function's length and name, a constructor's prototype,
  // String.prototype.length, Function.prototype's caller and arguments).
  const inp = { s: 'Hello', a: [1, 2], o: { k: 1 }, u: 'user_1' }
  const withProto = (proto, rest) => JSON.parse(`{"__proto__":${JSON.stringify(p(proto))},${rest}}`)
  transform(g, 'assign-read-only-function-length', withProto('$.o.constructor', '"length":7,"z":1'), inp)
  transform(g, 'assign-read-only-method-name', withProto('$.s.trim', '"name":{"@path":"$.u"}'), inp)
  transform(g, 'assign-read-only-constructor-prototype', withProto('$.o.constructor', '"prototype":1'), inp)
  transform(g, 'assign-method-has-no-prototype', withProto('$.s.trim', '"prototype":1,"x":2'), inp)
  transform(g, 'assign-function-caller-throws', withProto('$.o.constructor.__proto__', '"caller":1'), inp)
  transform(g, 'assign-read-only-string-prototype-length', withProto('$.s.__proto__', '"0":1,"length":3'), inp)
  transform(g, 'assign-array-prototype-length-writable', withProto('$.a.__proto__', '"length":1'), inp)
  transform(g, 'assign-before-proto-is-own', JSON.parse('{"length":1,"__proto__":{"@path":"$.o.constructor"}}'), inp)
  transform(g, 'assign-through-replaced-chain', JSON.parse('{"__proto__":{"__proto__":{"@path":"$.o.constructor"},"k":1},"length":1}'), inp)
  transform(g, 'assign-read-only-in-literal', JSON.parse('{"x":{"@literal":{"__proto__":{"@path":"$.o.constructor"},"length":1}}}'), inp)
  transform(g, 'assign-undefined-still-throws', withProto('$.o.constructor', '"name":{"@path":"$.missing"}'), inp)
  action(g, 'track-assign-read-only-length', 'track', track('{"s":"x"}'), { mapping: JSON.parse('{"event":{"@path":"$.event"},"event_attributes":{"__proto__":{"@path":"$.properties.constructor"},"length":1}}') })
  // A built-in stored as an object's own toJSON, toString or valueOf by a mapping: called with
  // the object as `this` (a String.prototype method converts the object to a string first).
  const sm = (m) => p(`$.s.${m}`)
  transform(g, 'to-json-string-methods', { x: { toJSON: sm('trim') }, 1: { toJSON: sm('charAt') }, b: { toJSON: sm('replaceAll') }, O: { toJSON: sm('split') }, a: { toJSON: sm('anchor'), k: 1 }, c: [{ toJSON: sm('concat') }, { toJSON: sm('at') }], 20: { toJSON: sm('at') }, d: { toJSON: sm('search') }, e: { toJSON: sm('padStart') } }, inp)
  transform(g, 'to-json-string-method-at-root', { toJSON: sm('toUpperCase'), z: 1 }, inp)
  transform(g, 'to-json-string-method-this-from-value-of', { x: { toString: 5, valueOf: p('$.a.length.constructor'), toJSON: sm('concat') } }, inp)
  transform(g, 'to-json-repeat-negative-count-throws', { '-1': { toJSON: sm('repeat') } }, inp)
  transform(g, 'to-json-normalize-throws', { x: { toJSON: sm('normalize') } }, inp)
  transform(g, 'to-json-string-method-recursion-throws', { x: { toString: sm('trim'), toJSON: sm('trim') } }, inp)
  transform(g, 'to-json-number-method-throws', { x: { toJSON: p('$.a.length.toFixed') } }, inp)
  const viaTemplate = (o) => ({ '@transform': { apply: { o }, mapping: { x: { '@template': '{{o}}' } } } })
  transform(g, 'to-string-string-method-recursion', viaTemplate({ toString: sm('trim'), k: 1 }), inp)
  transform(g, 'to-string-string-method-as-value-of', viaTemplate({ toString: p('$.missing'), valueOf: sm('big') }), inp)
  transform(g, 'to-string-constructor', viaTemplate({ toString: p('$.a.length.constructor') }), inp)
  transform(g, 'to-string-string-to-string-throws', viaTemplate({ toString: sm('toString') }), inp)
  transform(g, 'to-string-object-method', viaTemplate({ toString: p('$.o.hasOwnProperty') }), inp)
  action(g, 'track-to-json-string-method', 'track', track('{"s":"x"}'), { mapping: { event: p('$.event'), event_attributes: { toJSON: p('$.event.toUpperCase'), k: 1 } } })
  action(g, 'track-to-json-throws', 'track', track('{"s":"x"}'), { mapping: { event: p('$.event'), event_attributes: { toJSON: p('$.event.normalize') } } })
  // liquidjs counts error columns in UTF-16 code units: a lone surrogate is one, a pair two.
  transform(g, 'liquid-error-column-after-lone-surrogate', { v: { '@liquid': raw('"\\ud9ce{%&%}a"') } }, {})
  transform(g, 'liquid-error-column-after-two-lone-surrogates', { v: { '@liquid': raw('"\\udc00\\ud9ce{%&%}"') } }, {})
  transform(g, 'liquid-error-column-after-pair', { v: { '@liquid': raw('"\\ud83d\\ude00{%&%}"') } }, {})
  transform(g, 'liquid-output-keeps-lone-surrogate', { v: { '@liquid': raw('"\\ud9ce{{ a }}\\udfff"') } }, { a: 1 })
  // Random cases.
  const { randomCases } = require('./random-cases')
  for (const c of randomCases({ seed: 0x5eed, count: 600, prefix: g, hostile: 1 })) push(g, c)
}

// ---------------------------------------------------------------------------------------------
// Write
// ---------------------------------------------------------------------------------------------
fs.mkdirSync(outDir, { recursive: true })
let total = 0
for (const [group, cases] of groups) {
  const file = path.join(outDir, `${group}.cases.ndjson`)
  fs.writeFileSync(file, cases.map((c) => stringify(c)).join('\n') + '\n')
  total += cases.length
}
if (process.argv.includes('--verbose')) console.error(`wrote ${total} cases in ${groups.size} groups to ${outDir}`)
