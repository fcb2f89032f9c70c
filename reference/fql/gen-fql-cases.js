#!/usr/bin/env node
// Writes FQL conformance cases (case-runner kind `fql`) and their expected results, computed by
// Segment's published `@segment/destination-subscriptions` (parseFql + validate).
//
//   node reference/fql/gen-fql-cases.js [--pkg PATH] [--out DIR]
//
//   --pkg PATH  where to load @segment/destination-subscriptions from: the package directory
//               itself, or a directory whose node_modules holds it (a project dir or
//               node_modules). Default: normal `require` resolution from this file, which finds
//               reference/node_modules.
//   --out DIR   output directory (default: fixtures/cases of this repo). Writes
//               fql.cases.ndjson and fql.expected.ndjson, one line per case, same order.
//
// Expected results follow run-cases.js's `fql` kind exactly: `{"id","ok":bool}` when parseFql
// succeeds and validate returns, `{"id","error":message}` when parseFql returns an error or
// validate throws. Deterministic: no randomness, no clock.
'use strict'

const fs = require('fs')
const path = require('path')

const args = process.argv.slice(2)
let pkgPath = null
let outDir = path.join(__dirname, '..', '..', 'fixtures', 'cases')
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--pkg' && args[i + 1]) pkgPath = path.resolve(args[++i])
  else if (args[i] === '--out' && args[i + 1]) outDir = path.resolve(args[++i])
  else {
    console.error('usage: node reference/fql/gen-fql-cases.js [--pkg PATH] [--out DIR]')
    process.exit(2)
  }
}

function loadSubscriptions() {
  const name = '@segment/destination-subscriptions'
  if (pkgPath === null) return require(name)
  const candidates = [pkgPath, path.join(pkgPath, 'node_modules'), path.dirname(pkgPath)]
  try {
    return require(require.resolve(name, { paths: candidates }))
  } catch (_) {
    return require(pkgPath) // the package directory itself
  }
}

const subscriptions = loadSubscriptions()

// Same as run-cases.js
function cleanMessage(message) {
  return String(message)
    .split('\n')
    .filter((line) => !/^\s+at /.test(line))
    .join('\n')
}
const clone = (v) => (v === undefined ? undefined : JSON.parse(JSON.stringify(v)))

function runFql(fql, event) {
  try {
    const parsed = subscriptions.parseFql(fql)
    if (parsed.error) return { error: parsed.error.message }
    return { ok: subscriptions.validate(parsed, clone(event)) }
  } catch (err) {
    return { error: cleanMessage(err && err.message !== undefined ? err.message : err) }
  }
}

// ---------------------------------------------------------------------------------------------
// Cases
// ---------------------------------------------------------------------------------------------
const cases = []
const ids = new Set()

function add(what, fql, event) {
  let id = `fql/${what}`
  for (let n = 2; ids.has(id); n++) id = `fql/${what}#${n}`
  ids.add(id)
  cases.push({ id, kind: 'fql', fql, event })
}

// Run one FQL against several events; `events` maps a label to an event object.
function each(what, fql, events) {
  for (const [label, event] of Object.entries(events)) add(`${what} :: ${label}`, fql, event)
}

const track = (properties, extra = {}) => ({ type: 'track', event: 'Order Completed', properties, ...extra })

// Values a field can hold, to cross with operators.
const valueShapes = {
  'string "30"': '30',
  'number 30': 30,
  'number 30.5': 30.5,
  'number -5': -5,
  'number 0': 0,
  'string "abc"': 'abc',
  'empty string': '',
  'true': true,
  'false': false,
  'null': null,
  'missing': undefined,
  'object': { a: 1 },
  'array': [30]
}

function propEvents(key = 'x') {
  const out = {}
  for (const [label, v] of Object.entries(valueShapes)) {
    out[label] = v === undefined ? track({}) : track({ [key]: v })
  }
  return out
}

// 1. Comparison operators on properties against every value shape.
for (const fql of [
  'properties.x = "30"',
  'properties.x = 30',
  'properties.x != "30"',
  'properties.x != 30',
  'properties.x > 20',
  'properties.x >= 30',
  'properties.x < 30.5',
  'properties.x <= -5',
  'properties.x > "20"',
  'properties.x = true',
  'properties.x = false',
  'properties.x = null',
  'properties.x != null',
  'contains(properties.x, "3")',
  '!contains(properties.x, "3")',
  'match(properties.x, "3*")',
  '!match(properties.x, "*0")'
]) {
  each(`operators ${fql}`, fql, propEvents())
}

// 2. Top-level fields: type, event, name, userId.
const topEvents = {
  'track Order Completed': { type: 'track', event: 'Order Completed', userId: 'u1' },
  'identify': { type: 'identify', userId: 'u2', traits: { plan: 'pro' } },
  'page Home': { type: 'page', name: 'Home', userId: null },
  'numeric userId': { type: 'track', event: 'X', userId: 123 },
  'boolean userId': { type: 'track', event: 'true', userId: true, name: 'true' },
  'empty': {}
}
for (const fql of [
  'type = "track"',
  'type != "track"',
  'type = track',
  'type = "identify" or type = "page"',
  'event = "Order Completed"',
  'event != "Order Completed"',
  'event = true',
  'event = null',
  'name = "Home"',
  'name = null',
  'name != null',
  'name = true',
  'userId = null',
  'userId != null',
  'userId = true',
  'userId = false',
  'userId = 123',
  'userId = "123"',
  'userId != 123',
  'contains(event, "Order")',
  '!contains(event, "Order")',
  'contains(name, "om")',
  'contains(userId, "u")',
  'match(event, "Order*")',
  'match(event, "*Completed")',
  '!match(name, "H*")',
  'match(userId, "*1")',
  'contains(type, "tr")',
  'type > 1',
  'event < "Z"'
]) {
  each(`top-level ${fql}`, fql, topEvents)
}

// 3. traits and context, nested paths.
const nestedEvents = {
  'nested': {
    type: 'identify',
    traits: { plan: 'pro', logins: 12, flags: { beta: true }, address: { city: 'Paris', zip: '75001' } },
    context: { app: { version: '1.2.3', build: 42 }, locale: 'en-US', page: { path: '/checkout' } }
  },
  'shallow': { type: 'identify', traits: { plan: 'free', logins: '12' }, context: { locale: 'fr-FR' } },
  'no traits/context': { type: 'identify' },
  'null traits/context': { type: 'identify', traits: null, context: null },
  'string traits/context': { type: 'identify', traits: 'plan', context: 'app' }
}
for (const fql of [
  'traits.plan = "pro"',
  'traits.logins >= 10',
  'traits.logins = 12',
  'traits.flags.beta = true',
  'traits.flags.beta != null',
  'traits.address.city = "Paris"',
  'traits.address.zip > 75000',
  'contains(traits.address.city, "ar")',
  'context.app.version = "1.2.3"',
  'context.app.build > 40',
  'context.locale = "en-US"',
  'match(context.locale, "en*")',
  'match(context.page.path, "*out")',
  '!contains(context.page.path, "cart")',
  'context.missing.deep = null',
  'context.app != null and traits.plan = "pro"',
  'traits = null',
  'traits != null',
  'context.app = null'
]) {
  each(`nested ${fql}`, fql, nestedEvents)
}

// 4. Number literal forms and numeric comparisons with string literals.
const numEvents = {
  '1000': track({ n: 1000 }),
  '1': track({ n: 1 }),
  '1.5': track({ n: 1.5 }),
  '-0.5': track({ n: -0.5 }),
  '0': track({ n: 0 }),
  '16': track({ n: 16 }),
  'string 1000': track({ n: '1000' })
}
for (const fql of [
  'properties.n = 1000',
  'properties.n = 1e3',
  'properties.n = 1.50',
  'properties.n = 007',
  'properties.n = 1.',
  'properties.n = -.5',
  'properties.n = +1',
  'properties.n = -0',
  'properties.n > -',
  'properties.n != 1000',
  'properties.n > "999"',
  'properties.n > "0x0f"',
  'properties.n < " 2 "',
  'properties.n >= ""',
  'properties.n > "abc"',
  'properties.n >= "1e3"',
  'properties.n < "Infinity"',
  'properties.n > true',
  'properties.n <= false',
  'properties.n < null',
  'properties.n < 1.5 and properties.n > -1',
  'properties.n = 1.5 or properties.n = 16'
]) {
  each(`numbers ${fql}`, fql, numEvents)
}

// 5. match() glob rules and contains() argument forms.
const strEvents = {
  'Product Added': track({ s: 'Product Added' }, { event: 'Product Added' }),
  'Order Done': track({ s: 'Order Done' }, { event: 'Order Done' }),
  'Ord*er': track({ s: 'XOrd*er' }, { event: 'Ord*er' }),
  'star': track({ s: '*' }, { event: '*' }),
  'empty': track({ s: '' }, { event: '' }),
  'quotes': track({ s: "'P'" }, { event: "it's" }),
  'unicode': track({ s: 'café ☕ 😀' }, { event: 'café' })
}
for (const fql of [
  'match(properties.s, "P*")',
  'match(properties.s, "*Done")',
  'match(properties.s, "Ord*er")',
  'match(properties.s, "*")',
  'match(properties.s, "**")',
  'match(properties.s, "")',
  'match(properties.s, "Product Added")',
  "match(properties.s, 'P*')",
  'match(properties.s, 123)',
  'match(properties.s, true)',
  '!match(properties.s, "P*")',
  '!match(properties.s, "*e")',
  'contains(properties.s, "")',
  'contains(properties.s, "Add")',
  "contains(properties.s, 'P')",
  'contains(properties.s, 1)',
  '!contains(properties.s, "Order")',
  'contains(properties.s, "😀")',
  'match(properties.s, "*😀")',
  'match(properties.s, "caf*")',
  'contains(event, "é")',
  'match(event, "*\'s")',
  'contains(propertiess, "x")',
  'contains(type, "t")',
  'contains(properties, "x")'
]) {
  each(`strings ${fql}`, fql, strEvents)
}

// 6. Connectives, parentheses, negation.
const logicEvents = {
  'track A': { type: 'track', event: 'A', properties: { v: 1 } },
  'track B': { type: 'track', event: 'B', properties: { v: 2 } },
  'identify': { type: 'identify', userId: 'u', traits: { v: 1 } },
  'page': { type: 'page', name: 'Home' }
}
for (const fql of [
  'type = "track" and event = "A"',
  'type = "track" or event = "A"',
  'type = "identify" or event = "B" or name = "Home"',
  'type = "track" and event = "A" or type = "page"',
  'type = "page" or type = "track" and event = "A"',
  'type = "track" and (event = "A" or event = "B")',
  '(event = "A" or event = "B") and properties.v = 2',
  '(type = "track" and event = "A") or (type = "identify" and traits.v = 1)',
  '(type = "track")',
  '(type = "track" or type = "page")',
  '((type = "track"))',
  '(type = "track" and (event = "A"))',
  '(type = "track"',
  'type = "track")',
  '()',
  'type = "track" and ()',
  'type = "track" or ()',
  '() or type = "track"',
  'not type = "track"',
  '!type = "track"',
  '!(type = "track")',
  '!contains(event, "A") and type = "track"',
  '(contains(event, "A") or type = "page")',
  '(contains(event, "A") and type = "page") or name = "Home"',
  'type = "track" and and event = "A"',
  'type = "track" event = "A"',
  'type = "track" or',
  'and type = "track"',
  'type="track"and event="A"',
  'type = "track" AND event = "A"',
  'type = "track" && event = "A"'
]) {
  each(`logic ${fql}`, fql, logicEvents)
}

// 7. Parse and lex errors (and things that look like errors but parse).
const errEvent = { anything: { type: 'track', event: 'A', properties: { x: 1 } } }
for (const fql of [
  '',
  '   ',
  'typo',
  'type',
  'type =',
  'type = ',
  'type ==',
  'properties.x',
  'properties.x =',
  'contains',
  'contains(',
  'contains(event',
  'contains(event,',
  'contains(event, "A"',
  'match',
  'match(event',
  'match(event, ',
  'match(event, "A*"',
  'type * "track"',
  'type = "track" #',
  'type = "unterminated',
  "type = 'unterminated",
  'type\r= "track"',
  'properties.x = 1.',
  'properties.x = 1..2',
  'properties.x>1',
  'properties.x!=1',
  'properties.x<=1',
  'properties.x <= 1',
  'properties.x<1',
  'properties.x = 1\\',
  'properties.x = a\\',
  'properties.x = !',
  'properties.x ! 1',
  'properties.x => 1',
  'properties.x =< 1',
  'type = an',
  'type = nu',
  'type = "track" o',
  'constructor = 1',
  'toString = "x" and type = "track"',
  '__proto__ = 1',
  'not',
  'true',
  '"type" = "track"',
  'type = "track" , event = "A"',
  'type = "track" [ ]',
  'type = [ "track" ]',
  'properties.x = "1" "2"',
  'event = "A")',
  ')',
  '(',
  '!',
  '!contains',
  '!match(event)',
  '\t type = "track"\n',
  'type\t=\t"track"',
  'type = "track" and\nevent = "A"',
  // Dangling and doubled connectives: the reference's parser tolerates some, throws on others.
  'type = "track" and',
  'type = "track" or',
  'and type = "track"',
  'type = "track" and and type = "x"',
  'type = "track" and or type = "x"',
  'and',
  'or',
  'type = "track" )',
  'type = "track" and (',
  '((type = "track")'
]) {
  each(`errors ${JSON.stringify(fql)}`, fql, errEvent)
}

// 8. Quoting and escaping.
const quoteEvents = {
  'plain': { type: 'track', event: 'x', properties: { 'a b': 'v', 'a.b': 'flat', a: { b: 'nested' }, q: '"x"', s: "'x'", bs: 'a\\b', sq: "it's", paren: 'f(x)' } },
  'other': { type: 'track', event: "'x'", properties: { 'a b': 'w', a: { b: 'other' }, q: 'x', s: 'x' } }
}
for (const fql of [
  "event = 'x'",
  "event = \"'x'\"",
  'event = "\'x\'"',
  "event = '\"x\"'",
  'properties.a\\ b = "v"',
  'properties.a\\.b = "nested"',
  'properties.a\\.b = "flat"',
  'properties.a.b = "nested"',
  'properties.q = "\\"x\\""',
  "properties.q = '\"x\"'",
  "properties.s = \"'x'\"",
  "properties.s = 'x'",
  'properties.bs = "a\\b"',
  "properties.sq = \"it's\"",
  'properties.paren = "f(x)"',
  '(properties.paren = "f(x)")',
  'contains(properties.paren, ")")',
  'properties.\\a = "x"',
  'properties.\\. = "x"',
  'properties..a = "x"',
  'properties. = "x"',
  'properties = "x"',
  'properties.a b = "v"',
  'properties.a-b = "v"',
  'properties.a_b = "v"',
  'properties.1 = "x"',
  'properties.\\1 = "x"'
]) {
  each(`quoting ${fql}`, fql, quoteEvents)
}

// 9. Path walking: arrays, strings, inherited members, odd containers.
const pathEvents = {
  'rich': {
    type: 'track',
    properties: {
      items: [{ sku: 'A1', price: 5 }, { sku: 'B2', price: 15 }],
      tags: ['red', 'blue'],
      name: 'Widget',
      empty: '',
      zero: 0,
      f: false,
      obj: { k: null },
      'constructor': 'own'
    }
  },
  'string properties': { type: 'track', properties: 'Widget' },
  'array properties': { type: 'track', properties: ['a', 'b'] },
  'number properties': { type: 'track', properties: 42 },
  'no properties': { type: 'track' }
}
for (const fql of [
  'properties.items.length = 2',
  'properties.items.length > 1',
  'properties.items.\\0.sku = "A1"',
  'properties.items.\\1.price > 10',
  'properties.tags.\\0 = "red"',
  'contains(properties.tags, "red")',
  'properties.tags = "red,blue"',
  'properties.name.length = 6',
  'properties.name.\\0 = "W"',
  'properties.length = 6',
  'properties.length = 2',
  'properties.\\0 = "W"',
  'properties.\\0 = "a"',
  'properties.empty.length = null',
  'properties.zero.toFixed = null',
  'properties.f.x = false',
  'properties.obj.k = null',
  'properties.obj.k != null',
  'properties.obj.k.z = null',
  'properties.constructor = "own"',
  'properties.items.constructor.name = "Array"',
  'properties.obj.constructor.name = "Object"',
  'properties.name.toUpperCase != null',
  'properties.obj.hasOwnProperty != null',
  'properties.obj.__proto__ != null',
  'properties.obj.__proto__.__proto__ = null',
  'properties.items.map.name = "map"',
  'properties.items.map.length = 1',
  'properties.toString = null',
  'properties.obj.toString.arguments = null',
  'properties.name.constructor.prototype != null',
  'properties.missing.deep.deeper = null'
]) {
  each(`paths ${fql}`, fql, pathEvents)
}

// 10. Operator tokens that are not operators (the reference uses the token text as operator).
const weirdEvents = {
  'match': { type: 'track', event: 'Shop', properties: { x: 'hello', n: 3 }, traits: { t: true } },
  'other': { type: 'identify', event: 'Other', properties: { x: 'bye' }, traits: { t: 'yes' } }
}
for (const fql of [
  'properties.x contains "ell"',
  'properties.x starts_with "he"',
  'properties.x ends_with "lo"',
  'properties.x not_contains "zz"',
  'properties.x exists 1',
  'properties.x not_exists 1',
  'traits.t is_true 1',
  'properties.n number_equals "3"',
  'properties.n number_not_equals 4',
  'type starts_with "tr"',
  'event contains "ho"',
  'properties.x null "x"',
  'properties.x . "x"',
  'properties.x hello "x"',
  'properties.x = = "hello"',
  'type = = "track"',
  'properties.x "hello"'
]) {
  each(`token-operators ${fql}`, fql, weirdEvents)
}

// 11. Hostile keys: paths onto members every object, array or string inherits, and events
// whose own keys shadow them (`__proto__` is an own key after JSON.parse).
const own = (text) => JSON.parse(text)
const hostileEvents = {
  'plain': track({ x: 'a', list: [1, 2], s: 'a😀' }),
  'own __proto__ object': own('{"type":"track","properties":{"__proto__":{"x":"inherited"},"y":1}}'),
  'own __proto__ string': own('{"type":"track","properties":{"__proto__":"p","constructor":"c","toString":1}}'),
  'own __proto__ null': own('{"type":"track","properties":{"__proto__":null},"traits":{"valueOf":false}}'),
  'top-level __proto__': own('{"__proto__":{"type":"track"},"properties":{"x":1}}'),
  'shadowing traits': own('{"type":"identify","traits":{"hasOwnProperty":"h","length":2,"0":"zero"}}')
}
for (const fql of [
  'properties.constructor exists',
  'properties.__proto__ exists',
  'properties.__proto__.x = "inherited"',
  'properties.__proto__ = "p"',
  'properties.constructor = "c"',
  'properties.constructor.name = "Object"',
  'properties.toString = 1',
  'properties.toString.name = "toString"',
  'properties.valueOf.length = 0',
  'properties.list.length = 2',
  'properties.list.map.name = "map"',
  'properties.s.length = 3',
  'properties.s.1 exists',
  'properties.s.constructor.name = "String"',
  'traits.hasOwnProperty = "h"',
  'traits.valueOf is_false',
  'traits.length > 1',
  'traits.0 = "zero"',
  'context.constructor exists',
  'context.toString.caller exists',
  'type = "track" and properties.isPrototypeOf exists'
]) {
  each(`hostile ${fql}`, fql, hostileEvents)
}

// 12. Events that are not objects. A missing event is `undefined`: `validate` answers false for it
// once the trigger parsed (a parse error is still the error); `null` throws on the first read;
// strings, numbers and arrays have none of the fields, so they read like an empty event.
const oddEvents = {
  'missing': undefined,
  'null': null,
  'string': 'track',
  'number': 0,
  'array': ['track'],
  'boolean': true
}
for (const fql of [
  'type = "track"',
  'type != "track"',
  'properties.x exists',
  'userId = null',
  'properties.length = 5',
  'type = "track" or !contains(event, "x")',
  'type =',
  '(type = "track"'
]) {
  each(`not an object ${fql}`, fql, oddEvents)
}

// ---------------------------------------------------------------------------------------------
// Output
// ---------------------------------------------------------------------------------------------
const expected = cases.map((c) => ({ id: c.id, ...runFql(c.fql, c.event) }))
fs.mkdirSync(outDir, { recursive: true })
fs.writeFileSync(path.join(outDir, 'fql.cases.ndjson'), cases.map((c) => JSON.stringify(c)).join('\n') + '\n')
fs.writeFileSync(path.join(outDir, 'fql.expected.ndjson'), expected.map((e) => JSON.stringify(e)).join('\n') + '\n')
const errors = expected.filter((e) => 'error' in e).length
const oks = expected.filter((e) => e.ok === true).length
console.error(`fql: ${cases.length} cases (${oks} match, ${cases.length - oks - errors} no match, ${errors} errors) → ${outDir}`)
