#!/usr/bin/env node
// Measures how often our implementation agrees with Segment's reference on cases it has never
// seen: N random events and user-built mappings from a fresh seed (random-cases.js, hostile keys
// and values included), run through `node reference/run-cases.js` and `usermaven-actions cases`,
// compared result by result (equal JSON, so request bodies byte for byte).
//
//   node reference/agreement.js [--count N] [--seed S] [--hostile SHARE] [--bin PATH]
//                               [--show K] [--keep DIR]
//
// --count    cases to generate (default 2000)
// --seed     generator seed (default: fresh, from the clock; printed so a run can be repeated)
// --hostile  share of cases with hostile keys and values, 0..1 (default 0.5)
// --bin      the usermaven-actions binary (default: `cargo run --release -q -p usermaven-actions`)
// --show     how many disagreeing cases to print (default 5)
// --keep     write cases.ndjson, reference.ndjson and ours.ndjson into DIR
//
// Prints the agreement overall and for plain / hostile cases; exits 1 below --min (default 0).
'use strict'

const fs = require('fs')
const os = require('os')
const path = require('path')
const { execFileSync } = require('child_process')
const { randomCases } = require('./random-cases')

const args = process.argv.slice(2)
function opt(name, dflt) {
  const i = args.indexOf(`--${name}`)
  return i >= 0 ? args[i + 1] : dflt
}
const count = Number(opt('count', 2000))
const seed = Number(opt('seed', Date.now() % 4294967296)) >>> 0
const hostile = Number(opt('hostile', 0.5))
const show = Number(opt('show', 5))
const min = Number(opt('min', 0))
const keep = opt('keep', null)
const bin = opt('bin', null)

const ROOT = path.join(__dirname, '..')
const dir = keep ? path.resolve(keep) : fs.mkdtempSync(path.join(os.tmpdir(), 'agreement-'))
fs.mkdirSync(dir, { recursive: true })
const casesFile = path.join(dir, 'cases.ndjson')
const cases = randomCases({ seed, count, prefix: `agree-${seed}`, hostile })
fs.writeFileSync(casesFile, cases.map((c) => JSON.stringify(c)).join('\n') + '\n')

const big = { maxBuffer: 1 << 30, cwd: ROOT }
const reference = execFileSync(process.execPath, [path.join(__dirname, 'run-cases.js'), casesFile], big).toString('utf8')
const ours = bin
  ? execFileSync(bin, ['cases', casesFile], big).toString('utf8')
  : execFileSync('cargo', ['run', '--release', '-q', '-p', 'usermaven-actions', '--', 'cases', casesFile], big).toString('utf8')
if (keep) {
  fs.writeFileSync(path.join(dir, 'reference.ndjson'), reference)
  fs.writeFileSync(path.join(dir, 'ours.ndjson'), ours)
}

const lines = (text) => text.split('\n').filter((l) => l.trim() !== '')
const refLines = lines(reference)
const ourLines = lines(ours)
if (refLines.length !== cases.length || ourLines.length !== cases.length) {
  console.error(`agreement: ${cases.length} cases, ${refLines.length} reference results, ${ourLines.length} of ours`)
  process.exit(2)
}

// Re-printed through JSON.parse/stringify so only whitespace is normalised; key order counts.
const canon = (line) => JSON.stringify(JSON.parse(line))
const tally = { plain: [0, 0], hostile: [0, 0] }
const byKind = {}
const shown = []
for (let i = 0; i < cases.length; i++) {
  const c = cases[i]
  const group = c.id.includes('/hostile-') ? 'hostile' : 'plain'
  const kind = c.kind === 'action' ? (c.mapping === null ? 'preset' : 'mapping') : c.kind
  const same = canon(refLines[i]) === canon(ourLines[i])
  tally[group][1] += 1
  byKind[kind] = byKind[kind] || [0, 0]
  byKind[kind][1] += 1
  if (same) {
    tally[group][0] += 1
    byKind[kind][0] += 1
  } else if (shown.length < show) {
    shown.push({ id: c.id, line: i + 1, reference: refLines[i], ours: ourLines[i] })
  }
}

const pct = ([ok, n]) => (n === 0 ? '-' : `${((100 * ok) / n).toFixed(2)}%`)
const all = [tally.plain[0] + tally.hostile[0], tally.plain[1] + tally.hostile[1]]
for (const d of shown) {
  console.log(`-- ${d.id} (line ${d.line} of ${casesFile})`)
  console.log(`   reference: ${d.reference.slice(0, 600)}`)
  console.log(`   ours:      ${d.ours.slice(0, 600)}`)
}
console.log(`seed ${seed}, ${all[1]} cases (hostile share ${hostile})`)
console.log(`  plain:   ${tally.plain[0]}/${tally.plain[1]} agree (${pct(tally.plain)})`)
console.log(`  hostile: ${tally.hostile[0]}/${tally.hostile[1]} agree (${pct(tally.hostile)})`)
for (const [k, v] of Object.entries(byKind)) console.log(`  ${k.padEnd(8)} ${v[0]}/${v[1]} (${pct(v)})`)
console.log(`agreement: ${pct(all)}`)
if (!keep) fs.rmSync(dir, { recursive: true, force: true })
process.exit((100 * all[0]) / all[1] < min ? 1 : 0)
