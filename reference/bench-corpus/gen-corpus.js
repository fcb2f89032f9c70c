#!/usr/bin/env node
// Builds fixtures/bench-realistic/events.ndjson from the SDK captures in
// fixtures/bench-realistic/captures/ (see that folder's README.md for the make-up).
//
//   node reference/bench-corpus/gen-corpus.js [--check | --stats]
//
// Each captured request body is cut into its messages *as text*, so every encoder's own
// spelling survives (Python's `", "` separators, `\u00e9`, `25.0`, `1e-07`, `+00:00`; the
// JavaScript SDKs' compact UTF-8). Each message then gets what Segment's API adds before a
// destination sees it (`receivedAt`, and the batch's `sentAt` where the message lacks one),
// written in the message's own separator style. A fourth group re-encodes the analytics-node
// messages the way PHP's json_encode writes by default (`\/`, `\uXXXX` for non-ASCII, floats
// with `.0`), a spelling none of the three SDKs produce. The groups are interleaved in a fixed
// pattern (mostly browser traffic). Deterministic: the same captures give the same corpus;
// --check fails if the committed corpus differs; --stats prints the make-up table of the README.
'use strict'
const fs = require('fs')
const path = require('path')

const root = path.join(__dirname, '../..')
const dir = path.join(root, 'fixtures/bench-realistic')
const captures = path.join(dir, 'captures')

// The raw texts of the elements of the JSON array that starts at text[at] ('[').
function arrayItems(text, at) {
  const items = []
  let depth = 0
  let start = -1
  for (let i = at; i < text.length; i++) {
    const c = text[i]
    if (c === '"') {
      for (i++; text[i] !== '"'; i++) if (text[i] === '\\') i++
      continue
    }
    if (c === '[' || c === '{') {
      if (depth === 1 && start < 0) start = i
      depth++
      if (depth === 1) continue
    } else if (c === ']' || c === '}') {
      depth--
      if (depth === 0) {
        if (start >= 0) items.push(text.slice(start, i).trim())
        return items
      }
    } else if (c === ',' && depth === 1) {
      items.push(text.slice(start, i).trim())
      start = -1
    } else if (depth === 1 && start < 0 && !/\s/.test(c)) {
      start = i
    }
  }
  throw new Error('unterminated array')
}

// Appends `"key":value` members to an object's text, in its own separator style.
function addMembers(obj, members) {
  const spaced = /^\{"[^"]*": /.test(obj)
  const sep = spaced ? ', ' : ','
  const colon = spaced ? ': ' : ':'
  const extra = members.map(([k, v]) => `${JSON.stringify(k)}${colon}${JSON.stringify(v)}`)
  return obj.slice(0, obj.lastIndexOf('}')) + sep + extra.join(sep) + '}'
}

// A fixed receivedAt per message: the capture's own timestamp plus a little latency.
function receivedAt(msg, n) {
  const t = Date.parse(msg.timestamp || msg.sentAt || '2026-01-01T00:00:00Z')
  return new Date(t + 180 + (n % 400)).toISOString()
}

function messages(file) {
  const out = []
  for (const line of fs.readFileSync(path.join(captures, file), 'utf8').split('\n')) {
    if (!line) continue
    const req = JSON.parse(line)
    const body = req.body
    const batchAt = body.search(/"batch"\s*:\s*\[/)
    const raws = batchAt >= 0 ? arrayItems(body, body.indexOf('[', batchAt)) : [body]
    const sentAt = batchAt >= 0 ? JSON.parse(body).sentAt : undefined
    for (const raw of raws) {
      const msg = JSON.parse(raw)
      const add = []
      if (msg.sentAt === undefined && sentAt !== undefined) add.push(['sentAt', sentAt])
      add.push(['receivedAt', receivedAt(msg, out.length)])
      out.push(addMembers(raw, add))
    }
  }
  return out
}

// PHP's json_encode with its default flags: `/` → `\/`, non-ASCII → `\uXXXX` (UTF-16),
// floats keep a `.0` (serialize_precision -1; the amounts are floats in a PHP program, the
// other numbers integers); keys and structure as given.
function phpEncode(v, floatKeys) {
  if (v === null) return 'null'
  if (typeof v === 'boolean') return String(v)
  if (typeof v === 'number') {
    // PHP writes a float's exponent form with a `.0` mantissa (1.0e+21, 1.0e-7).
    const t = JSON.stringify(v)
    if (/^-?\d+e/.test(t)) return t.replace(/^(-?\d+)e/, '$1.0e')
    return floatKeys && Number.isInteger(v) ? `${t}.0` : t
  }
  if (typeof v === 'string') {
    return JSON.stringify(v)
      .replace(/\//g, '\\/')
      .replace(/[\u0080-\uffff]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'))
  }
  if (Array.isArray(v)) return '[' + v.map((x) => phpEncode(x, floatKeys)).join(',') + ']'
  const AMOUNTS = new Set(['price', 'total', 'subtotal', 'revenue', 'value', 'discount'])
  return (
    '{' +
    Object.entries(v)
      .map(([k, x]) => phpEncode(k) + ':' + phpEncode(x, AMOUNTS.has(k)))
      .join(',') +
    '}'
  )
}

function php(nodeMessages) {
  return nodeMessages.map((raw) => {
    const msg = JSON.parse(raw)
    msg.context = { ...msg.context, library: { name: 'analytics-php', version: '3.7.0' } }
    return phpEncode(msg)
  })
}

// The corpus's make-up, as the README's table gives it: how many events hold each feature
// (found in the text, so spellings count, not values).
function makeUp(lines) {
  const checks = [
    ['type track', (l, e) => e.type === 'track'],
    ['type page', (l, e) => e.type === 'page'],
    ['type identify', (l, e) => e.type === 'identify'],
    ['type group', (l, e) => e.type === 'group'],
    ['library analytics.js (analytics-next, chromium)', (l, e) => lib(e) === 'analytics.js'],
    ['library @segment/analytics-node', (l, e) => lib(e) === '@segment/analytics-node'],
    ['library analytics-python', (l, e) => lib(e) === 'analytics-python'],
    ['library analytics-php (re-encoded node messages)', (l, e) => lib(e) === 'analytics-php'],
    ['an empty string `""`', (l) => l.includes('""')],
    ['an escaped quote `\\"`', (l) => l.includes('\\"')],
    ['an escaped newline `\\n`', (l) => l.includes('\\n')],
    ['a `\\u00XX` escape (ASCII-only encoders)', (l) => /\\u00[0-9a-f]{2}/.test(l)],
    ['an escaped slash `\\/`', (l) => l.includes('\\/')],
    ['raw non-ASCII text', (l) => /[^\x00-\x7f]/.test(l)],
    ['a `null`', (l) => /:\s*null/.test(l)],
    ['`"anonymousId": null`', (l) => /"anonymousId":\s*null/.test(l)],
    ['no `anonymousId`', (l, e) => !('anonymousId' in e)],
    ['no `context.page`', (l, e) => !(e.context && e.context.page)],
    ['`context.timezone`', (l, e) => Boolean(e.context && e.context.timezone)],
    ['a `+00:00` timestamp', (l) => /\+00:00"/.test(l)],
    ['a number with a fraction', (l) => /:\s*-?[0-9]+\.[0-9]*[1-9][,}\]]/.test(l)],
    ['a number spelled like `25.0`', (l) => /:\s*-?[0-9]+\.0[,}\]]/.test(l)],
    ['a number with an exponent', (l) => /:\s*-?[0-9.]+[eE][-+]?[0-9]+[,}\]]/.test(l)],
    ['a number spelled like `1.0e+21`', (l) => /:\s*-?[0-9]+\.0e/.test(l)],
    ['whitespace after `,` and `:`', (l) => /", "/.test(l) && /": /.test(l)],
    ['nested objects in properties or traits', (l, e) =>
      Object.values(e.properties || e.traits || {}).some((v) => v !== null && typeof v === 'object')],
  ]
  const rows = [`| feature | events | share |`, `|---|---|---|`]
  for (const [name, test] of checks) {
    const n = lines.filter((l) => test(l, JSON.parse(l))).length
    rows.push(`| ${name} | ${n} | ${Math.round((100 * n) / lines.length)}% |`)
  }
  const bytes = lines.reduce((a, l) => a + l.length + 1, 0)
  return `${lines.length} events, ${bytes} bytes (${Math.round(bytes / lines.length)} per event)\n\n${rows.join('\n')}`
}

function lib(e) {
  return e.context && e.context.library && e.context.library.name
}

function main() {
  const browser = messages('browser.ndjson')
  const node = messages('node.ndjson')
  const python = messages('python.ndjson')
  const phpStyle = php(node.filter((_, i) => i % 3 === 0))
  // Interleave: per round of 10, 5 browser, 2 node, 2 python, 1 PHP-style (until a group runs
  // out; the rest follow in the same pattern).
  const groups = [
    [browser, 5],
    [node, 2],
    [python, 2],
    [phpStyle, 1],
  ]
  const at = groups.map(() => 0)
  const out = []
  for (let left = true; left; ) {
    left = false
    groups.forEach(([list, n], g) => {
      for (let k = 0; k < n && at[g] < list.length; k++) out.push(list[at[g]++])
      if (at[g] < list.length) left = true
    })
  }
  const text = out.join('\n') + '\n'
  if (process.argv.includes('--stats')) {
    console.log(makeUp(out))
    return
  }
  const file = path.join(dir, 'events.ndjson')
  if (process.argv.includes('--check')) {
    if (fs.readFileSync(file, 'utf8') !== text) {
      console.error('fixtures/bench-realistic/events.ndjson differs from what the captures give')
      process.exit(1)
    }
    return
  }
  fs.writeFileSync(file, text)
  console.log(
    `events.ndjson: ${out.length} events (browser ${browser.length}, node ${node.length}, python ${python.length}, php-style ${phpStyle.length})`
  )
}
main()
