#!/usr/bin/env node
// Time-zone data and cases taken from the reference's own ICU (Node 20: ICU 78.2, tz 2025c).
//
//   node reference/tz/gen-tz.js --names FILE --table FILE --out DIR
//
// --names FILE  candidate zone names, one a line (xtask writes every name of the tz database it
//               bundles); every name `Intl.supportedValuesOf('timeZone')` lists and a list of
//               legacy and odd names (below) are tried too.
// --table FILE  writes the zone table crates/destination uses (format below).
// --out DIR     writes tz-names.cases.ndjson and tz-offsets.cases.ndjson (action cases, run
//               through run-cases.js like every other case file).
//
// Why a table from ICU instead of a tz database compiled by zic: ICU compiles its zoneinfo64
// from the IANA release without `backzone`, and keeps names IANA dropped long ago
// (`US/Pacific-New`, `SystemV/*`, three-letter IDs); it also accepts and rejects names by
// V8's rules. The offsets the reference computes are ICU's, so they are read from ICU itself:
// every accepted name is formatted once a day from 1800 to 2101 and each change of offset is
// narrowed down to the second by bisection. (Two changes less than a day apart that return to
// the same offset would be missed. When this was written the table was checked against the
// zic-compiled TZif files of the same IANA release, PyPI's tzdata 2025.3, at every change of
// either: no difference, see reference/README.md.)
//
// Table format (text, one record a line; times and offsets in seconds):
//   # comment
//   Z <zone> <offset before the first change> [<seconds since the previous change, or since
//     1970 for the first>,<new offset>]...
//   N <name> <zone>          a name V8 accepts (exact spelling after V8's canonicalization)
//                            and the zone whose data it uses
// Everything is deterministic: no clock, no randomness (case seeds are a hash of the id).
'use strict'

process.env.TZ = 'UTC'

const fs = require('fs')
const path = require('path')

const args = process.argv.slice(2)
let namesFile = null
let tableFile = null
let outDir = null
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--names' && args[i + 1]) namesFile = path.resolve(args[++i])
  else if (args[i] === '--table' && args[i + 1]) tableFile = path.resolve(args[++i])
  else if (args[i] === '--out' && args[i + 1]) outDir = path.resolve(args[++i])
  else {
    console.error('usage: node reference/tz/gen-tz.js [--names FILE] [--table FILE] [--out DIR]')
    process.exit(2)
  }
}

// ---------------------------------------------------------------------------------------------
// Candidate names
// ---------------------------------------------------------------------------------------------

// Names outside the current IANA lists: ICU's own IDs, IDs IANA removed, names a tz install
// ships that are not zones, and a few malformed ones. Only candidates: whether the reference
// accepts each one is measured below.
const EXTRA_NAMES = [
  'ACT', 'AET', 'AGT', 'ART', 'AST', 'BET', 'BST', 'CAT', 'CNT', 'CST', 'CTT', 'EAT', 'ECT',
  'IET', 'IST', 'JST', 'MIT', 'NET', 'NST', 'PLT', 'PNT', 'PRT', 'PST', 'SST', 'VST',
  'SystemV/AST4', 'SystemV/AST4ADT', 'SystemV/CST6', 'SystemV/CST6CDT', 'SystemV/EST5',
  'SystemV/EST5EDT', 'SystemV/HST10', 'SystemV/MST7', 'SystemV/MST7MDT', 'SystemV/PST8',
  'SystemV/PST8PDT', 'SystemV/YST9', 'SystemV/YST9YDT',
  'Canada/East-Saskatchewan', 'US/Pacific-New', 'Mideast/Riyadh87', 'Mideast/Riyadh88',
  'Mideast/Riyadh89', 'Asia/Riyadh87', 'Asia/Riyadh88', 'Asia/Riyadh89',
  'Etc/Unknown', 'Factory', 'localtime', 'posixrules', 'posix/Europe/Amsterdam', 'right/UTC',
  'leapseconds', 'zone.tab', 'tzdata.zi',
  'UTC', 'GMT', 'UCT', 'Etc/UTC', 'Etc/GMT', 'Etc/UCT', 'GMT0', 'GMT+0', 'GMT-0', 'Etc/GMT0',
  'Etc/GMT+0', 'Etc/GMT-0', 'Etc/GMT+12', 'Etc/GMT-14', 'Etc/GMT+13', 'Etc/GMT-15', 'Etc/GMT+5',
  'Etc/GMT+05', 'Etc/GMT5', 'GMT+5', 'GMT-5', 'UTC+5', 'UTC0', 'Z', 'Zulu', 'Universal',
  'Greenwich', 'CEST', 'BST1', 'EST', 'MST', 'HST', 'EST5EDT', 'CST6CDT', 'MST7MDT', 'PST8PDT',
  'WET', 'CET', 'MET', 'EET', 'America/Godthab', 'America/Nuuk', 'Europe/Kiev', 'Europe/Kyiv',
  'Pacific/Kanton', 'Pacific/Enderbury', 'Asia/Calcutta', 'Asia/Kolkata', 'Antarctica/Troll',
  'America/Argentina/ComodRivadavia', 'America/Knox_IN', 'Antarctica/DumontDUrville',
  'Antarctica/McMurdo', 'Australia/ACT', 'Australia/LHI', 'Australia/NSW', 'Brazil/DeNoronha',
  'Chile/EasterIsland', 'GB', 'GB-Eire', 'Mexico/BajaNorte', 'Mexico/BajaSur', 'NZ', 'NZ-CHAT',
  'W-SU', 'Europe/London/Extra', 'Europe', 'America/', '/Europe/Paris', 'Europe//Paris',
  'Europe/Paris ', ' Europe/Paris', 'Europe/Par is', 'Europe/Paris\u0000', 'Europe/Zürich',
  'Mars/Olympus', 'Nowhere/Land', '+05:30', '-0800', '330', 'true', '0', 'null', 'undefined'
]

function candidateNames() {
  const names = new Set()
  for (const n of Intl.supportedValuesOf('timeZone')) names.add(n)
  if (namesFile) {
    for (const line of fs.readFileSync(namesFile, 'utf8').split('\n')) {
      const n = line.trim()
      if (n) names.add(n)
    }
  }
  for (const n of EXTRA_NAMES) names.add(n)
  return [...names].sort()
}

function accepted(name) {
  try {
    new Date(0).toLocaleString('en-US', { timeZone: name, hour12: false })
    return true
  } catch (err) {
    if (err instanceof RangeError) return false
    throw err
  }
}

// ---------------------------------------------------------------------------------------------
// Offsets from ICU
// ---------------------------------------------------------------------------------------------
const DAY = 86400
const SCAN_START = Date.UTC(1800, 0, 1) / 1000
const SCAN_END = Date.UTC(2101, 0, 1) / 1000

function formatterFor(name) {
  return new Intl.DateTimeFormat('en-US', {
    timeZone: name,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric'
  })
}

const LOCAL = /^(\d+)\/(\d+)\/(\d+), (\d\d):(\d\d):(\d\d)$/

// UTC offset in seconds at instant `s` (seconds since 1970).
function offsetAt(fmt, s) {
  const text = fmt.format(s * 1000)
  const m = LOCAL.exec(text)
  if (!m) throw new Error(`unexpected local time text ${JSON.stringify(text)}`)
  const local = Date.UTC(+m[3], +m[1] - 1, +m[2], +m[4], +m[5], +m[6]) / 1000
  return local - s
}

// Every change of offset in [SCAN_START, SCAN_END]: [[t, offset from t on], ...].
function scan(fmt) {
  const changes = []
  const initial = offsetAt(fmt, SCAN_START)
  let t = SCAN_START
  let off = initial
  while (t < SCAN_END) {
    const next = Math.min(t + DAY, SCAN_END)
    const nextOff = offsetAt(fmt, next)
    let lo = t
    let loOff = off
    // Several changes may sit between two samples: find each, left to right.
    while (loOff !== nextOff) {
      // smallest u in (lo, next] with offsetAt(u) !== loOff
      let a = lo
      let b = next
      while (b - a > 1) {
        const mid = a + Math.floor((b - a) / 2)
        if (offsetAt(fmt, mid) === loOff) a = mid
        else b = mid
      }
      const o = offsetAt(fmt, b)
      changes.push([b, o])
      lo = b
      loOff = o
    }
    t = next
    off = nextOff
  }
  return { initial, changes }
}

function sameData(a, b) {
  if (a.initial !== b.initial || a.changes.length !== b.changes.length) return false
  return a.changes.every((c, i) => c[0] === b.changes[i][0] && c[1] === b.changes[i][1])
}

// Cheap check that `name` behaves as `data` does: its offset just before and at every change,
// and once a week over the whole scan.
function agrees(fmt, data) {
  if (offsetAt(fmt, SCAN_START) !== data.initial) return false
  let prev = data.initial
  for (const [t, o] of data.changes) {
    if (offsetAt(fmt, t - 1) !== prev || offsetAt(fmt, t) !== o) return false
    prev = o
  }
  let i = 0
  for (let t = SCAN_START; t < SCAN_END; t += 7 * DAY) {
    while (i < data.changes.length && data.changes[i][0] <= t) i++
    const expect = i === 0 ? data.initial : data.changes[i - 1][1]
    if (offsetAt(fmt, t) !== expect) return false
  }
  return true
}

function buildTable(names) {
  // Group accepted names by the zone ICU resolves them to, scan each group's canonical zone
  // once and give every other name the same data if it agrees; otherwise scan it on its own.
  const zones = new Map() // zone id -> data
  const nameToZone = new Map()
  const byCanonical = new Map()
  for (const name of names) {
    const canonical = new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone
    if (!byCanonical.has(canonical)) byCanonical.set(canonical, [])
    byCanonical.get(canonical).push(name)
  }
  for (const [canonical, members] of [...byCanonical].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    // The zone is named by the first member ICU knows under the canonical spelling, if any.
    // Zones with identical data (IANA links ICU keeps as separate canonical IDs, such as
    // Europe/Amsterdam and Europe/Brussels) share one record.
    const scanned = members.includes(canonical) ? canonical : members[0]
    const data = scan(formatterFor(scanned))
    const twin = [...zones].find(([, d]) => sameData(d, data))
    const head = twin ? twin[0] : scanned
    if (!twin) zones.set(head, data)
    for (const name of members) {
      if (name === scanned) {
        nameToZone.set(name, head)
        continue
      }
      if (agrees(formatterFor(name), data)) {
        nameToZone.set(name, head)
      } else {
        const own = scan(formatterFor(name))
        const same = [...zones].find(([, d]) => sameData(d, own))
        if (same) nameToZone.set(name, same[0])
        else {
          zones.set(name, own)
          nameToZone.set(name, name)
        }
      }
    }
  }
  return { zones, nameToZone }
}

function tableText(table) {
  const v = process.versions
  const lines = [
    `# Generated by reference/tz/gen-tz.js from Node ${v.node} (ICU ${v.icu}, tz ${v.tz}). Do not edit:`,
    '# run `cargo xtask reference`. Z <zone> <initial offset> [<delta seconds>,<offset>]... ; N <name> <zone>'
  ]
  for (const [zone, data] of [...table.zones].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    let prev = 0
    const parts = [`Z ${zone} ${data.initial}`]
    for (const [t, o] of data.changes) {
      parts.push(`${t - prev},${o}`)
      prev = t
    }
    lines.push(parts.join(' '))
  }
  for (const [name, zone] of [...table.nameToZone].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    lines.push(`N ${name} ${zone}`)
  }
  return lines.join('\n') + '\n'
}

// ---------------------------------------------------------------------------------------------
// Cases
// ---------------------------------------------------------------------------------------------
function seedFor(id) {
  // FNV-1a, 32 bit (as gen-cases.js)
  let h = 0x811c9dc5
  for (const ch of Buffer.from(id, 'utf8')) {
    h ^= ch
    h = Math.imul(h, 0x01000193) >>> 0
  }
  return h
}

const SETTINGS = { api_key: 'k', server_token: 't' }
const MAPPING = {
  event: { '@path': '$.event' },
  timezone: { '@path': '$.properties.timezone' },
  user_anonymous_id: { '@path': '$.anonymousId' }
}

function tzCase(id, zone, nowMs) {
  return {
    id,
    kind: 'action',
    action: 'track',
    event: { type: 'track', event: 'e', anonymousId: 'a', properties: { timezone: zone } },
    mapping: MAPPING,
    settings: SETTINGS,
    now: new Date(nowMs).toISOString(),
    seed: seedFor(id)
  }
}

// Case variants of a name: V8 folds ASCII case before ICU looks the name up.
function variants(name) {
  const out = [name, name.toLowerCase(), name.toUpperCase()]
  let alt = ''
  for (let i = 0; i < name.length; i++) alt += i % 2 ? name[i].toLowerCase() : name[i].toUpperCase()
  out.push(alt)
  return [...new Set(out)]
}

// 2025-01-15T10:17:23.250Z: not local midnight anywhere on whole-quarter-hour offsets.
const NAMES_NOW = Date.UTC(2025, 0, 15, 10, 17, 23, 250)

function nameCases(candidates) {
  const cases = []
  const seen = new Set()
  for (const name of candidates) {
    for (const v of variants(name)) {
      if (seen.has(v)) continue
      seen.add(v)
      cases.push(tzCase(`tz-names/${JSON.stringify(v).slice(1, -1)}`, v, NAMES_NOW))
    }
  }
  return cases
}

// Deterministic pseudo-random integer in [0, n) from a string.
const pick = (key, n) => seedFor(key) % n

function offsetCases(table) {
  const cases = []
  const zones = [...table.zones.keys()].sort()
  for (const zone of zones) {
    const data = table.zones.get(zone)
    // One instant in every six years from 1900 to 2037, at a moment of the span picked from
    // the zone and the span (so that, over all zones, every year and season is covered).
    for (let year = 1900; year <= 2037; year += 6) {
      const key = `${zone}/${year}`
      const span = Math.min(6, 2038 - year) * 365 * 86400
      const ms = Date.UTC(year, 0, 1) + pick(key, span) * 1000 + pick(key + '/ms', 1000)
      cases.push(tzCase(`tz-offsets/${zone}/${new Date(ms).toISOString()}`, zone, ms))
    }
    // Changes of offset: the second before and the second of three of them between 1900 and
    // 2037 (early, middle and late in the zone's history, picked from the zone).
    const edges = data.changes.filter(([t]) => t >= Date.UTC(1900, 0, 1) / 1000 && t < Date.UTC(2038, 0, 1) / 1000)
    const chosen = new Set()
    for (let i = 0; i < 3 && i < edges.length; i++) {
      const lo = Math.floor((i * edges.length) / 3)
      const hi = Math.max(lo + 1, Math.floor(((i + 1) * edges.length) / 3))
      chosen.add(lo + pick(`${zone}/edge/${i}`, hi - lo))
    }
    for (const i of [...chosen].sort((a, b) => a - b)) {
      const t = edges[i][0]
      for (const s of [t - 1, t]) {
        cases.push(tzCase(`tz-offsets/${zone}/edge/${new Date(s * 1000).toISOString()}`, zone, s * 1000))
      }
    }
    // Local midnight (the `24:00:00` quirk): exactly, half a second and a minute after it in
    // 2025, exactly in 1930.
    for (const [year, extras] of [[1930, [0]], [2025, [0, 0.5, 60]]]) {
      const s = Date.UTC(year, 6, 1) / 1000
      const midnight = Date.UTC(year, 6, 2) / 1000 - offsetFrom(data, s)
      for (const extra of extras) {
        const ms = Math.round((midnight + extra) * 1000)
        cases.push(tzCase(`tz-offsets/${zone}/midnight/${new Date(ms).toISOString()}`, zone, ms))
      }
    }
  }
  return cases
}

function offsetFrom(data, s) {
  let o = data.initial
  for (const [t, off] of data.changes) {
    if (t > s) break
    o = off
  }
  return o
}

// ---------------------------------------------------------------------------------------------
function main() {
  const candidates = candidateNames()
  const names = candidates.filter(accepted)
  const table = buildTable(names)
  if (tableFile) fs.writeFileSync(tableFile, tableText(table))
  if (outDir) {
    fs.mkdirSync(outDir, { recursive: true })
    const write = (group, cases) =>
      fs.writeFileSync(path.join(outDir, `${group}.cases.ndjson`), cases.map((c) => JSON.stringify(c)).join('\n') + '\n')
    write('tz-names', nameCases(candidates))
    write('tz-offsets', offsetCases(table))
  }
}

main()
