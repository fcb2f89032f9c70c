#!/usr/bin/env node
// Differential fuzzing input for crates/fql: random FQL (grammar-based, with noise) and random
// events, run through Segment's published @segment/destination-subscriptions; one NDJSON line
// per case with the parse tree (as JSON.stringify prints it; lone surrogates as U+FFFD), the
// parseFql/validate result and the generateFql output.
//
//   node reference/fql/fuzz-fql.js [--pkg PATH] [--seed N] [--count N] [--out FILE]
//   FQL_DIFF_CASES=FILE cargo test -p usermaven-fql --test suites differential -- --nocapture
//
// --pkg is resolved as in gen-fql-cases.js. Deterministic for a given seed.
'use strict'
const path = require('path')
const argv = process.argv.slice(2)
const opt = { pkg: null, seed: 1, count: 20000, out: 'fql-fuzz.ndjson' }
for (let i = 0; i < argv.length; i += 2) {
  const k = argv[i].replace(/^--/, '')
  if (!(k in opt) || argv[i + 1] === undefined) {
    console.error('usage: node reference/fql/fuzz-fql.js [--pkg PATH] [--seed N] [--count N] [--out FILE]')
    process.exit(2)
  }
  opt[k] = argv[i + 1]
}
function load() {
  const name = '@segment/destination-subscriptions'
  if (opt.pkg === null) return require(name)
  const p = path.resolve(opt.pkg)
  try {
    return require(require.resolve(name, { paths: [p, path.join(p, 'node_modules'), path.dirname(p)] }))
  } catch (_) {
    return require(p)
  }
}
const S = load()
let seed = Number(opt.seed) >>> 0
const N = Number(opt.count)
function rnd() { seed = (seed + 0x6d2b79f5) >>> 0; let t = seed; t = Math.imul(t ^ (t >>> 15), t | 1); t ^= t + Math.imul(t ^ (t >>> 7), t | 61); return ((t ^ (t >>> 14)) >>> 0) / 4294967296 }
const pick = (a) => a[Math.floor(rnd() * a.length)]
const fields = ['type','event','name','userId','properties.x','properties.a.b','properties.items.length','properties.items.\\0','properties.a\\ b','traits.t','context.c','context.c.d','properties.x.length','properties.constructor.name','properties.x.\\0','properties']
const ops = ['=','=','!=','<','<=','>','>=','contains','exists']
const values = ['"a"','"x*"','"*y"',"'q'",'"3"','"1e3"','" 3 "','"0x3"','""','1','3','-2.5','1e3','0.5','-','+7','007','1.','-.5','true','false','null','"😀x"','"é"','"a b"','"*"','an','x','"x"y"']
const fns = ['contains','match','!contains','!match']
function sp() { return rnd() < 0.9 ? ' ' : (rnd() < 0.5 ? '' : '\t') }
function cond() {
  const r = rnd()
  if (r < 0.6) return pick(fields) + sp() + pick(ops) + sp() + pick(values)
  if (r < 0.95) return pick(fns) + '(' + pick(fields) + ',' + sp() + pick(values) + ')'
  return pick(['not', '!', 'typo', '(', ')', 'and', 'or', ',', '()'])
}
function expr(depth) {
  const n = 1 + Math.floor(rnd() * 3)
  const parts = []
  for (let i = 0; i < n; i++) {
    let c = depth < 2 && rnd() < 0.2 ? '(' + expr(depth + 1) + ')' : cond()
    parts.push(c)
  }
  let s = parts[0]
  for (let i = 1; i < parts.length; i++) s += ' ' + pick(['and', 'or', 'and', 'or', 'AND', 'not']) + ' ' + parts[i]
  return s
}
const vals = [1, -2.5, 1000, 0, 3, 7, 0.5, '1', '3', 'a', 'x*', 'ya', 'xy', '*y', "'q'", 'a b', true, false, null, [1, 2], ['a'], { b: 'a' }, '😀x', 'é', '', 'track']
function ev() {
  const e = {}
  for (const k of ['type', 'event', 'name', 'userId']) if (rnd() < 0.7) e[k] = pick(vals)
  if (rnd() < 0.9) e.properties = { x: pick(vals), a: rnd() < 0.5 ? { b: pick(vals) } : pick(vals), items: rnd() < 0.5 ? [1, 2] : 'abc', 'a b': pick(vals) }
  if (rnd() < 0.6) e.traits = { t: pick(vals) }
  if (rnd() < 0.6) e.context = rnd() < 0.2 ? null : { c: rnd() < 0.3 ? { d: pick(vals) } : pick(vals) }
  return e
}
const out = []
for (let i = 0; i < N; i++) {
  const fql = expr(0)
  const event = ev()
  const parsed = S.parseFql(fql)
  let result, gen
  if (parsed.error) { result = { error: parsed.error.message, name: parsed.error.name } }
  else { try { result = { ok: S.validate(parsed, event) } } catch (e) { result = { error: e.message, name: e.name } } }
  if (!parsed.error) { try { gen = { fql: S.generateFql(parsed) } } catch (e) { gen = { error: e.message } } }
  out.push(JSON.stringify({ fql, event, tree: parsed.error ? null : parsed, result, gen }).replace(/\\ud[89a-f][0-9a-f]{2}/g, '\\ufffd'))
}
require('fs').writeFileSync(opt.out, out.join('\n') + '\n')
console.error(`fql fuzz: ${N} cases → ${opt.out}`)
