// Seeded random cases for the differential runs: Segment-style events and user-built mappings,
// with keys and values that are special to JavaScript ("hostile": `__proto__`, members of
// Object.prototype / Array.prototype / String.prototype, array-index look-alikes, astral
// characters and lone surrogates) mixed in at every level.
//
//   const { randomCases } = require('./random-cases')
//   randomCases({ seed, count, prefix, hostile })   -> array of case objects (run-cases.js contract)
//
// Used by agreement.js (fresh seeds, measured against our implementation) and by gen-cases.js
// (a fixed seed, committed as the `hostile` case group). Objects are built with own data
// properties only (`put`), so a generated `__proto__` key is an own key, exactly as `JSON.parse`
// would make it from the case line.
'use strict'

const SETTINGS = { api_key: 'um_live_3f9a2c', server_token: 'srv_8b1d7e4a' }
const NOW = '2024-06-15T12:00:00.000Z'
const ACTIONS = ['track', 'identify', 'group', 'page']

// Keys that name something JavaScript objects, arrays or strings inherit (or that JS treats
// specially on assignment), plus keys that look like array indexes.
const HOSTILE_KEYS = [
  '__proto__', '__proto__', '__proto__',
  'constructor', 'constructor',
  'toString', 'toString',
  'valueOf', 'valueOf',
  'hasOwnProperty', 'isPrototypeOf', 'propertyIsEnumerable', 'toLocaleString',
  '__defineGetter__', '__lookupGetter__',
  'length', 'prototype', 'name', 'then', 'toJSON',
  '0', '1', '01', '-1', '4294967294', '4294967295',
]

// Paths through which a lookup reaches inherited members.
const HOSTILE_PATHS = [
  '$.constructor', '$.constructor.name', '$.__proto__', '$.__proto__.constructor.name',
  '$.toString', '$.valueOf', '$.hasOwnProperty', '$.isPrototypeOf',
  '$.properties.__proto__', '$.properties.constructor.name', '$.properties.toString',
  '$.properties.length', '$.traits.__proto__', '$.traits.constructor',
  '$.context.__proto__', '$.context.page.constructor.name',
  '$.event.length', '$.event.constructor.name', '$.event.toString', '$.event.0',
  '$.userId.length', '$.userId.constructor', '$.userId.valueOf', '$.userId.at',
  '$.properties.items.length', '$.properties.items.constructor.name', '$.properties.items.0',
  '$.properties.items.map', '$.properties.__proto__.x', '$.properties.__proto__.length',
  '$.properties.toString.name', '$.properties.constructor.prototype',
  '$.properties.emoji.length', '$.properties.emoji.0', '$.properties.emoji.1',
  '$.__proto__.__proto__', '$.properties.valueOf.length',
]

const PLAIN_PATHS = [
  '$.event', '$.userId', '$.anonymousId', '$.messageId', '$.timestamp', '$.type', '$.groupId',
  '$.name', '$.properties', '$.properties.email', '$.properties.plan', '$.properties.price',
  '$.properties.items', '$.properties.items.0.sku', '$.properties.nested', '$.properties.emoji',
  '$.traits', '$.traits.email', '$.traits.name', '$.context', '$.context.page',
  '$.context.page.url', '$.context.page.path', '$.context.campaign', '$.context.traits.email',
  '$.context.timezone', '$.context.ip', '$.context.screen', '$.missing', '$.properties.missing.x',
]

const WORDS = ['pro', 'Signed Up', 'user_1', 'a@b.co', 'x', '', ' ', 'Ünïcödé', '0', 'true', 'null']
const ASTRAL = ['😀', '👍🏽', '𝒳', '🇫🇷', 'a😀b', '\ud83d', 'x\ude00y', '\ud83d\ude00\ud83d', 'é́']

function mulberry32(seed) {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

// FNV-1a of the id, as gen-cases.js seeds its cases.
function seedFor(id) {
  let h = 0x811c9dc5
  for (const b of Buffer.from(id, 'utf8')) {
    h ^= b
    h = Math.imul(h, 0x01000193) >>> 0
  }
  return h >>> 0
}

// An own, enumerable data property, even for `__proto__`.
function put(o, k, v) {
  Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true })
  return o
}

function obj(entries) {
  const o = {}
  for (const [k, v] of entries) put(o, k, v)
  return o
}

class Gen {
  constructor(seed, hostile) {
    this.rand = mulberry32(seed)
    this.hostile = hostile
  }
  int(n) {
    return Math.floor(this.rand() * n)
  }
  chance(p) {
    return this.rand() < p
  }
  pick(list) {
    return list[this.int(list.length)]
  }
  hostileKey() {
    return this.pick(HOSTILE_KEYS)
  }
  string() {
    if (this.hostile && this.chance(0.25)) return this.pick(ASTRAL)
    if (this.hostile && this.chance(0.1)) return this.pick(HOSTILE_KEYS)
    return this.pick(WORDS)
  }
  number() {
    return this.pick([0, 1, -1, 42, 3.5, 1e21, -0, 9007199254740993, 0.1])
  }
  scalar() {
    switch (this.int(5)) {
      case 0:
        return null
      case 1:
        return this.chance(0.5)
      case 2:
        return this.number()
      default:
        return this.string()
    }
  }
  // A random JSON value; objects may carry hostile keys.
  value(depth = 0) {
    const r = this.int(10)
    if (depth > 2 || r < 5) return this.scalar()
    if (r < 7) return Array.from({ length: this.int(3) }, () => this.value(depth + 1))
    return this.object(depth + 1)
  }
  object(depth = 0, base = []) {
    const entries = [...base]
    const n = this.int(3)
    for (let i = 0; i < n; i++) entries.push([this.pick(['a', 'b', 'plan', 'email', 'nested']), this.value(depth + 1)])
    if (this.hostile && this.chance(0.6)) {
      const k = this.hostileKey()
      // `__proto__` with an object value is the prototype-replacement case.
      const v = k === '__proto__' && this.chance(0.6) ? this.object(depth + 1) : this.value(depth + 1)
      entries.splice(this.int(entries.length + 1), 0, [k, v])
    }
    return obj(entries)
  }
  maybe(v, p = 0.85) {
    return this.chance(p) ? v : undefined
  }

  event() {
    const type = this.pick(['track', 'identify', 'group', 'page', 'screen'])
    const e = []
    const add = (k, v) => {
      if (v !== undefined) e.push([k, v])
    }
    add('type', type)
    add('event', this.maybe(this.chance(0.8) ? this.pick(['Signed Up', 'Order Completed', 'x']) : this.value()))
    add('userId', this.maybe(this.chance(0.8) ? 'user_' + this.int(100) : this.value()))
    add('anonymousId', this.maybe('anon-' + this.int(100), 0.7))
    add('messageId', this.maybe('msg-' + this.int(1000)))
    add('timestamp', this.maybe(this.chance(0.9) ? '2024-06-15T11:59:59.993Z' : this.value()))
    add('groupId', this.maybe(this.chance(0.8) ? 'g_' + this.int(10) : this.value(), 0.5))
    add('name', this.maybe(this.string(), 0.4))
    const props = [
      ['email', this.chance(0.7) ? 'p@example.com' : this.value()],
      ['plan', this.string()],
      ['price', this.number()],
    ]
    if (this.chance(0.5)) props.push(['items', Array.from({ length: this.int(3) }, () => this.object(2, [['sku', 's' + this.int(9)]]))])
    if (this.chance(0.5)) props.push(['emoji', this.pick(ASTRAL)])
    if (this.chance(0.5)) props.push(['nested', this.object(1)])
    add('properties', this.maybe(this.chance(0.9) ? this.object(1, props) : this.value(), 0.9))
    add('traits', this.maybe(this.chance(0.9) ? this.object(1, [['email', 't@example.com'], ['name', this.string()]]) : this.value(), 0.6))
    const page = this.object(2, [
      ['url', this.pick(['https://www.acme.io/pricing?plan=pro', 'https://x.test/a#b', 'not a url'])],
      ['path', '/pricing'],
      ['title', this.string()],
      ['referrer', 'https://www.google.com/'],
      ['search', '?plan=pro'],
    ])
    const context = [
      ['ip', '203.0.113.42'],
      ['locale', 'en-US'],
      ['userAgent', 'Mozilla/5.0'],
      ['page', this.maybe(page, 0.8)],
      ['campaign', this.maybe(this.object(2, [['source', 'news'], ['medium', this.string()]]), 0.5)],
      ['traits', this.maybe(this.object(2, [['email', 'c@example.com']]), 0.4)],
      ['timezone', this.maybe(this.pick(['Europe/Paris', 'UTC', 'America/New_York']), 0.4)],
      ['screen', this.maybe(this.object(2, [['width', 1920], ['height', 1080]]), 0.4)],
    ].filter(([, v]) => v !== undefined)
    add('context', this.maybe(this.object(1, context), 0.9))
    let out = e
    if (this.hostile && this.chance(0.7)) {
      const k = this.hostileKey()
      const v = k === '__proto__' && this.chance(0.6) ? this.object(1) : this.value(1)
      out = [...e]
      out.splice(this.int(out.length + 1), 0, [k, v])
    }
    return obj(out)
  }

  path() {
    if (this.hostile && this.chance(0.45)) return this.pick(HOSTILE_PATHS)
    return this.pick(PLAIN_PATHS)
  }
  pathDirective() {
    return { '@path': this.path() }
  }
  template() {
    const parts = []
    for (let i = 0, n = 1 + this.int(3); i < n; i++) {
      parts.push(this.chance(0.7) ? `{{${this.path().replace('$.', '')}}}` : this.string())
    }
    return parts.join(this.pick(['', ' ', '-']))
  }
  liquid() {
    const p = this.path().replace('$.', '')
    return this.pick([
      `{{ ${p} }}`,
      `{{ ${p} | default: "d" }}`,
      `{{ ${p} | size }}`,
      `{% if ${p} %}y{% else %}n{% endif %}`,
      `{{ ${p} | json }}`,
      `{{ ${p} | upcase }}`,
      `{{ ${p} | append: "!" }}`,
    ])
  }
  // A mapping value: a directive, a literal, or an object of them (nesting below `depth` 2).
  mappingValue(depth = 0) {
    const r = this.int(depth > 1 ? 14 : 17)
    switch (r) {
      case 0: case 1: case 2: case 3:
        return this.pathDirective()
      case 4:
        return { '@template': this.template() }
      case 5:
        return { '@merge': { direction: this.pick(['left', 'right']), objects: Array.from({ length: 1 + this.int(3), }, () => this.chance(0.6) ? this.pathDirective() : this.value(1)) } }
      case 6:
        return { '@liquid': this.liquid() }
      case 7:
        return { '@if': obj([['exists', this.pathDirective()], ['then', this.chance(0.5) ? this.pathDirective() : this.scalar()], ['else', this.scalar()]]) }
      case 8:
        return { '@literal': this.value() }
      case 9:
        return { '@json': { mode: this.pick(['encode', 'decode']), value: this.pathDirective() } }
      case 10:
        return { '@flatten': { separator: this.pick(['.', '_']), value: this.pathDirective() } }
      case 11:
        return { '@case': { operator: this.pick(['lower', 'upper']), value: this.pathDirective() } }
      case 12:
        return { '@excludeWhenNull': this.pathDirective() }
      case 13:
        return this.scalar()
      case 14:
        return { '@arrayPath': [this.pick(['$.properties.items', '$.properties', '$.traits']), obj([['sku', this.pathDirective()], [this.hostile ? this.hostileKey() : 'id', { '@path': '$.sku' }]])] }
      default: {
        const entries = []
        for (let i = 0, n = 1 + this.int(3); i < n; i++) {
          entries.push([this.hostile && this.chance(0.4) ? this.hostileKey() : this.pick(['a', 'b', 'plan']), this.mappingValue(depth + 1)])
        }
        return obj(entries)
      }
    }
  }
  mapping(fields) {
    const entries = []
    for (const f of fields) if (this.chance(0.45)) entries.push([f, this.mappingValue()])
    if (this.hostile && this.chance(0.5)) {
      const k = this.hostileKey()
      const v = k === '__proto__' && this.chance(0.5) ? obj([['event', this.pathDirective()], ['user_id', this.pathDirective()]]) : this.mappingValue()
      entries.splice(this.int(entries.length + 1), 0, [k, v])
    }
    return obj(entries)
  }
}

// Field keys of each action (what a user-built mapping chooses from).
const FIELDS = (() => {
  const def = require('../fixtures/cases/destination-definition.json')
  const out = {}
  for (const a of ACTIONS) out[a] = Object.keys(def.actions[a].fields)
  return out
})()

// `count` cases: preset actions on random events, user-built mappings, preset routing and bare
// transforms. `hostile` is the share of cases that get hostile keys and values (0..1).
function randomCases({ seed, count, prefix = 'random', hostile = 0.5 }) {
  const top = mulberry32(seed)
  const cases = []
  for (let i = 0; i < count; i++) {
    const isHostile = top() < hostile
    const g = new Gen(Math.floor(top() * 4294967296), isHostile)
    const id = `${prefix}/${isHostile ? 'hostile' : 'plain'}-${i}`
    const base = { id, now: NOW, seed: seedFor(id) }
    const kind = g.int(10)
    const action = g.pick(ACTIONS)
    if (kind < 3) {
      cases.push({ ...base, kind: 'action', action, event: g.event(), mapping: null, settings: SETTINGS })
    } else if (kind < 7) {
      cases.push({ ...base, kind: 'action', action, event: g.event(), mapping: g.mapping(FIELDS[action]), settings: SETTINGS })
    } else if (kind < 8) {
      cases.push({ ...base, kind: 'route', event: g.event(), settings: SETTINGS, subscriptions: null })
    } else {
      const c = { id, kind: 'transform', mapping: g.mapping(['a', 'b', 'c', 'd']), input: g.event() }
      cases.push(c)
    }
  }
  return cases
}

module.exports = { randomCases, HOSTILE_KEYS, HOSTILE_PATHS, ASTRAL, put, obj, seedFor, mulberry32 }
