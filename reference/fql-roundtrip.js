#!/usr/bin/env node
// The reference's FQL round trip, for `cargo xtask fuzz --target fql`: one JSON string (an FQL
// text) per input line; per line, {"generated": generateFql(parseFql(x)) | null, "error"?: msg,
// "again": parseFql(generated) as JSON.stringify prints it, or {"error": true}}.
//
//   node reference/fql-roundtrip.js < texts.ndjson
'use strict'
const { parseFql, generateFql } = require('@segment/destination-subscriptions')
const lines = require('fs').readFileSync(0, 'utf8').split('\n').filter((l) => l.length > 0)
const out = []
for (const line of lines) {
  const x = JSON.parse(line)
  const r = { generated: null }
  try {
    r.generated = generateFql(parseFql(x))
  } catch (e) {
    r.error = String(e && e.message)
  }
  if (r.generated !== null) {
    const t = parseFql(r.generated)
    r.again = t && t.error ? { error: true } : t
  }
  out.push(JSON.stringify(r))
}
process.stdout.write(out.join('\n') + (out.length ? '\n' : ''))
