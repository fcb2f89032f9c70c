#!/usr/bin/env node
// Runs conformance cases (NDJSON, one case per line) through Segment's published Usermaven
// (Actions) destination and its runtime, and writes one NDJSON result per case, in order.
//
//   node run-cases.js [cases.ndjson]      (reads stdin without an argument)
//
// The contract (case kinds and result shapes) is documented in README.md. Everything that would
// make the output vary between runs is pinned: the process timezone is UTC, `new Date()` /
// `Date.now()` return the case's `now`, lodash `random` (used by the destination's generateId) is
// a seeded PRNG reset per case, and HTTP requests never leave the machine: they go to a loopback
// server that records exactly what was put on the wire.
'use strict'

// The destination's timezone-offset code formats and re-parses a *local* time string, so the
// process timezone changes its output. Must be set before anything touches Date.
process.env.TZ = 'UTC'

const fs = require('fs')
const path = require('path')
const http = require('http')
const https = require('https')

// ---------------------------------------------------------------------------------------------
// Frozen clock: only argument-less `new Date()`, `Date()` and `Date.now()` read the clock.
// ---------------------------------------------------------------------------------------------
const RealDate = Date
const DEFAULT_NOW = RealDate.parse('2024-01-01T00:00:00.000Z')
let frozenNow = DEFAULT_NOW

function FrozenDate(...args) {
  if (!new.target) return new RealDate(frozenNow).toString()
  if (args.length === 0) return Reflect.construct(RealDate, [frozenNow], new.target)
  return Reflect.construct(RealDate, args, new.target)
}
FrozenDate.prototype = RealDate.prototype
FrozenDate.now = () => frozenNow
FrozenDate.parse = RealDate.parse
FrozenDate.UTC = RealDate.UTC
Object.defineProperty(FrozenDate, 'name', { value: 'Date' })
globalThis.Date = FrozenDate

// ---------------------------------------------------------------------------------------------
// Seeded lodash/random (the destination's generateId is `random(1e9, 9999999999).toString()`).
// ---------------------------------------------------------------------------------------------
let prngState = 0
let randomCalls = 0

function seedPrng(seed) {
  prngState = seed >>> 0
  randomCalls = 0
}

// mulberry32
function nextFloat() {
  prngState = (prngState + 0x6d2b79f5) >>> 0
  let t = prngState
  t = Math.imul(t ^ (t >>> 15), t | 1)
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296
}

// Same argument handling as lodash's random for the integer forms used here.
function seededRandom(lower, upper, floating) {
  randomCalls += 1
  if (upper === undefined) {
    upper = lower === undefined ? 1 : lower
    lower = 0
  }
  lower = Number(lower) || 0
  upper = Number(upper) || 0
  if (lower > upper) [lower, upper] = [upper, lower]
  const r = nextFloat()
  if (floating || lower % 1 || upper % 1) return lower + r * (upper - lower)
  return lower + Math.floor(r * (upper - lower + 1))
}

const ROOT = __dirname
const requireFromRoot = (id) => require(require.resolve(id, { paths: [ROOT] }))
const DEST_DIR = path.join(ROOT, 'node_modules/@segment/action-destinations/dist/destinations/usermaven')

{
  const randomPath = require.resolve('lodash/random', { paths: [DEST_DIR, ROOT] })
  const Module = require('module')
  const m = new Module(randomPath, module)
  m.filename = randomPath
  m.loaded = true
  m.exports = seededRandom
  require.cache[randomPath] = m
}

// ---------------------------------------------------------------------------------------------
// Loopback capture of the outgoing HTTP request.
// node-fetch (used by actions-core through cross-fetch) calls `https.request(options)` with the
// final header list. We send that request, unchanged except for its destination, to a local
// server and record method, request target, raw headers (in wire order) and body bytes.
// ---------------------------------------------------------------------------------------------
const realHttpRequest = http.request
const keepAliveAgent = new http.Agent({ keepAlive: true })
const closeAgent = new http.Agent({ keepAlive: false })
let loopbackPort = 0
let captured = []

function hostHeaderFor(options, defaultPort) {
  let host = options.hostname || options.host || 'localhost'
  if (host.includes(':') && !host.startsWith('[')) host = `[${host}]`
  const port = options.port ? Number(options.port) : defaultPort
  return port !== defaultPort ? `${host}:${port}` : host
}

function redirectingRequest(scheme, defaultPort) {
  return function (options, cb) {
    if (typeof options === 'string' || options instanceof URL || typeof cb !== 'function' && typeof cb !== 'undefined') {
      throw new Error('reference harness: unexpected http(s).request call shape')
    }
    const headers = Object.assign({ __proto__: null }, options.headers)
    const hasHost = Object.keys(headers).some((k) => k.toLowerCase() === 'host')
    if (!hasHost) headers.Host = hostHeaderFor(options, defaultPort)
    // Node adds `Connection: keep-alive` or `close` itself, from the agent's keepAlive option
    // (node-fetch passes no agent, so that is the global agent: keep-alive since Node 19).
    const original = options.agent || (scheme === 'https' ? https.globalAgent : http.globalAgent)
    const agent = original.keepAlive ? keepAliveAgent : closeAgent
    return realHttpRequest(
      { hostname: '127.0.0.1', port: loopbackPort, method: options.method, path: options.path, headers, setHost: false, agent },
      cb
    )
  }
}
https.request = redirectingRequest('https', 443)
http.request = redirectingRequest('http', 80)

function startLoopback() {
  return new Promise((resolve, reject) => {
    const server = http.createServer((req, res) => {
      const chunks = []
      req.on('data', (c) => chunks.push(c))
      req.on('end', () => {
        const raw = req.rawHeaders
        const headers = []
        for (let i = 0; i < raw.length; i += 2) headers.push([raw[i].toLowerCase(), raw[i + 1]])
        captured.push({ method: req.method, target: req.url, headers, body: Buffer.concat(chunks) })
        res.writeHead(200, { 'content-type': 'application/json' })
        res.end('{}')
      })
    })
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      loopbackPort = server.address().port
      server.unref()
      resolve(server)
    })
  })
}

// ---------------------------------------------------------------------------------------------
// Reference modules (loaded only after the patches above).
// ---------------------------------------------------------------------------------------------
const core = requireFromRoot('@segment/actions-core')
const subscriptions = requireFromRoot('@segment/destination-subscriptions')
const definition = require(DEST_DIR).default
const destination = new core.Destination(definition)
const ACTIONS = Object.keys(definition.actions)

// Also wrap the request client's fetch (a live binding read at call time) so that every request
// the action makes is accounted for, even one that never reached the loopback server.
{
  const coreDir = path.dirname(require.resolve('@segment/actions-core', { paths: [ROOT] }))
  const fetchModule = require(path.join(coreDir, 'fetch.js'))
  const realFetch = fetchModule.default
  fetchModule.default = async (request, init) => {
    fetchCalls += 1
    // The request's URL as node-fetch holds it (WHATWG-parsed, then re-escaped by the legacy
    // url.parse/format), fragment included: the `url` of a result.
    fetchUrls.push(typeof request === 'string' ? request : request.url)
    return realFetch(request, init)
  }
}
let fetchCalls = 0
let fetchUrls = []

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------
class InvalidCase extends Error {
  constructor(message) {
    super(message)
    this.name = 'InvalidCase'
  }
}

const isPlainObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v)

function cleanMessage(message) {
  return String(message)
    .split('\n')
    .filter((line) => !/^\s+at /.test(line))
    .join('\n')
}

function errorInfo(err) {
  if (err instanceof Error || (err && typeof err === 'object' && 'message' in err)) {
    const status = typeof err.status === 'number' ? err.status : null
    return { name: String(err.name || 'Error'), message: cleanMessage(err.message), status }
  }
  return { name: 'Thrown', message: String(err), status: null }
}

function setClock(now) {
  if (typeof now !== 'string') throw new InvalidCase('`now` must be an RFC 3339 string')
  const ms = RealDate.parse(now)
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i.test(now) || Number.isNaN(ms)) {
    throw new InvalidCase(`\`now\` is not an RFC 3339 date-time: ${JSON.stringify(now)}`)
  }
  frozenNow = ms
}

function setSeed(seed) {
  if (!Number.isSafeInteger(seed) || seed < 0) throw new InvalidCase('`seed` must be a non-negative integer')
  seedPrng(seed)
}

function requireObject(c, key) {
  if (!isPlainObject(c[key])) throw new InvalidCase(`\`${key}\` must be an object`)
  return c[key]
}

// structuredClone keeps -0 and Infinity (from e.g. 1e400) exactly as JSON.parse produced them.
const clone = (v) => (v === undefined ? undefined : structuredClone(v))

function requestResult() {
  if (fetchCalls === 0 && captured.length === 0) return null
  if (fetchCalls !== 1 || captured.length !== 1) {
    throw new Error(`reference harness: expected one request, saw ${fetchCalls} fetch calls / ${captured.length} captured`)
  }
  const c = captured[0]
  const host = (c.headers.find(([k]) => k === 'host') || [])[1]
  const headers = {}
  for (const [k, v] of c.headers) {
    headers[k] = k in headers ? `${headers[k]}, ${v}` : v
  }
  // The URL is the request's own (a `#` in a setting starts a fragment that stays in it);
  // what went on the wire must be that URL up to the fragment.
  const url = fetchUrls[0]
  const wire = `https://${host}${c.target}`
  const hash = url.indexOf('#')
  if ((hash < 0 ? url : url.slice(0, hash)) !== wire) {
    throw new Error('reference harness: the request URL up to its fragment is not what went on the wire')
  }
  return {
    url,
    method: c.method.toUpperCase(),
    headers,
    body: c.body.toString('utf8')
  }
}

// Runs one action through Destination#executeAction (exactly what onSubscription does after the
// trigger matched). Returns {ok, nondeterministic?} or {error}, or {noop: true} when the action
// does not exist (executeAction then returns [] and sends nothing).
async function execute(actionName, event, mapping, settings, forRoute) {
  captured = []
  fetchCalls = 0
  fetchUrls = []
  const randomBefore = randomCalls
  try {
    await destination.executeAction(actionName, {
      event,
      mapping,
      settings,
      auth: core.getAuthData(settings),
      features: {},
      statsContext: {},
      subscriptionMetadata: {}
    })
  } catch (err) {
    // onSubscription marks validation errors as 400 before rethrowing them.
    if (forRoute && err && (err.name === 'AggregateAjvError' || err.name === 'ValidationError')) err.status = 400
    return { error: errorInfo(err) }
  }
  const req = requestResult()
  if (req === null) return { noop: true }
  const out = { ok: req }
  if (randomCalls > randomBefore) out.nondeterministic = ['user.anonymous_id']
  return out
}

// ---------------------------------------------------------------------------------------------
// Case kinds
// ---------------------------------------------------------------------------------------------
// An action the destination lacks: executeAction returns [] and sends nothing, which the
// result says as `noop` with a note (a name Object.prototype has, e.g. "constructor", is found
// by executeAction's lookup and fails instead).
async function runAction(c) {
  if (typeof c.action !== 'string') throw new InvalidCase('`action` must be a string')
  const event = requireObject(c, 'event')
  const settings = requireObject(c, 'settings')
  if (c.mapping !== null && !isPlainObject(c.mapping)) throw new InvalidCase('`mapping` must be null or an object')
  setClock(c.now)
  setSeed(c.seed)
  const known = ACTIONS.includes(c.action)
  const defaults = () => (known ? core.defaultValues(definition.actions[c.action].fields) : {})
  const mapping = c.mapping === null ? defaults() : clone(c.mapping)
  const r = await execute(c.action, clone(event), mapping, clone(settings), false)
  if (r.noop && known) throw new Error('reference harness: action sent no request')
  if (r.noop) return { noop: true, note: `the destination has no action ${JSON.stringify(c.action)}: executeAction sends nothing` }
  return r
}

async function runRoute(c) {
  const event = clone(requireObject(c, 'event'))
  const rawSettings = clone(requireObject(c, 'settings'))
  let subs
  if (c.subscriptions === null) {
    subs = definition.presets.map((p) => ({ subscribe: p.subscribe, partnerAction: p.partnerAction, mapping: p.mapping }))
  } else if (Array.isArray(c.subscriptions) && c.subscriptions.every(isPlainObject)) {
    subs = clone(c.subscriptions)
  } else {
    throw new InvalidCase('`subscriptions` must be null or an array of objects')
  }
  setClock(c.now)
  setSeed(c.seed)

  // Destination#onSubscriptions: strip subscription/oauth keys, validate (and coerce) settings.
  const settings = destination.getDestinationSettings(rawSettings)
  try {
    destination.validateSettings(settings)
  } catch (err) {
    return { error: errorInfo(err) }
  }

  const matches = []
  const invalid = []
  for (let index = 0; index < subs.length; index++) {
    const sub = subs[index]
    const action = sub.partnerAction
    if (!sub.subscribe || typeof sub.subscribe !== 'string') {
      invalid.push({ index, action, message: 'Failed to validate subscription' })
      continue
    }
    const parsed = subscriptions.parseFql(sub.subscribe)
    if (parsed.error) {
      invalid.push({ index, action, message: `Invalid subscription : ${parsed.error.message}` })
      continue
    }
    let matched
    try {
      matched = subscriptions.validate(parsed, event)
    } catch (err) {
      matches.push({ index, action, error: errorInfo(err) })
      continue
    }
    if (!matched) continue
    const r = await execute(action, event, sub.mapping || {}, settings, true)
    matches.push({ index, action, ...r })
  }
  const out = { matches }
  if (invalid.length > 0) out.invalid = invalid
  return out
}

function runTransform(c) {
  if (!('mapping' in c)) throw new InvalidCase('`mapping` is required')
  if (!('input' in c)) throw new InvalidCase('`input` is required')
  setClock(c.now === undefined ? new RealDate(DEFAULT_NOW).toISOString() : c.now)
  setSeed(c.seed === undefined ? 0 : c.seed)
  try {
    const value = core.transform(clone(c.mapping), clone(c.input))
    if (value === undefined) return { ok: null, undefined: true }
    // A result JSON.stringify cannot print (a built-in `toJSON` that throws, which only a
    // mapping can put there) is reported as the error printing it throws.
    JSON.stringify({ ok: value })
    return { ok: value }
  } catch (err) {
    return { error: cleanMessage(err && err.message !== undefined ? err.message : err) }
  }
}

function runFql(c) {
  if (typeof c.fql !== 'string') throw new InvalidCase('`fql` must be a string')
  // Any JSON value is the event; a case without one evaluates against `undefined`.
  const event = c.event
  try {
    const parsed = subscriptions.parseFql(c.fql)
    if (parsed.error) return { error: parsed.error.message }
    return { ok: subscriptions.validate(parsed, clone(event)) }
  } catch (err) {
    return { error: cleanMessage(err && err.message !== undefined ? err.message : err) }
  }
}

async function runCase(c) {
  switch (c.kind) {
    case 'action':
      return runAction(c)
    case 'route':
      return runRoute(c)
    case 'transform':
      return runTransform(c)
    case 'fql':
      return runFql(c)
    default:
      throw new InvalidCase(`unknown kind: ${JSON.stringify(c.kind)}`)
  }
}

async function main() {
  const file = process.argv[2]
  const text = file && file !== '-' ? fs.readFileSync(file, 'utf8') : fs.readFileSync(0, 'utf8')
  const server = await startLoopback()
  const out = []
  const lines = text.split('\n')
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n].trim()
    if (line === '') continue
    let c
    let result
    try {
      c = JSON.parse(line)
    } catch (err) {
      result = { id: null, error: { name: 'InvalidCase', message: `line ${n + 1}: ${err.message}`, status: null } }
    }
    if (c !== undefined) {
      const id = isPlainObject(c) && typeof c.id === 'string' ? c.id : null
      try {
        if (!isPlainObject(c)) throw new InvalidCase('a case must be a JSON object')
        if (id === null) throw new InvalidCase('`id` must be a string')
        result = { id, ...(await runCase(c)) }
      } catch (err) {
        if (!(err instanceof InvalidCase)) throw err
        result = { id, error: { name: 'InvalidCase', message: err.message, status: null } }
      }
    }
    out.push(JSON.stringify(result))
    // keep memory flat and output streaming for big inputs
    if (out.length >= 256) {
      process.stdout.write(out.join('\n') + '\n')
      out.length = 0
    }
  }
  if (out.length > 0) process.stdout.write(out.join('\n') + '\n')
  keepAliveAgent.destroy()
  server.closeAllConnections()
  server.close()
}

main().catch((err) => {
  console.error(`run-cases: ${err && err.stack ? err.stack : err}`)
  process.exit(1)
})
