#!/usr/bin/env node
// The reference's in-process routing rate, for `cargo xtask bench map`: the events of one NDJSON
// file, already in memory, routed through Segment's published destination as
// Destination#onSubscriptions does for the four presets (run-cases.js's `route` cases):
// JSON.parse of the line, each preset's trigger (`validate`, on FQL parsed once beforehand),
// and `executeAction` for each match (mapping, removeEmptyValues, ajv validation, perform,
// JSON.stringify, the node-fetch Request). Only the network is left out: actions-core's fetch
// answers `200 {}` at once, in process. Prints `events=N secs=S events_per_sec=R cpu_secs=C events_per_cpu_sec=P`
// (best of RUNS; every run routes all the events, one after the other, awaiting each; the CPU
// figures count this process's user+system time, which a busy machine disturbs less).
//
//   node reference/bench-route.js FILE [RUNS]      (after `node reference/setup.js`)
'use strict'
process.env.TZ = 'UTC'
const fs = require('fs')
const path = require('path')

const ROOT = __dirname
const requireFromRoot = (id) => require(require.resolve(id, { paths: [ROOT] }))
const DEST_DIR = path.join(ROOT, 'node_modules/@segment/action-destinations/dist/destinations/usermaven')
const core = requireFromRoot('@segment/actions-core')
const subscriptions = requireFromRoot('@segment/destination-subscriptions')
const coreDir = path.dirname(require.resolve('@segment/actions-core', { paths: [ROOT] }))
const { Response } = require(require.resolve('node-fetch', { paths: [coreDir] }))

let requests = 0
let bodyBytes = 0
const fetchModule = require(path.join(coreDir, 'fetch.js'))
fetchModule.default = async (request) => {
  requests += 1
  bodyBytes += (await request.text()).length
  return new Response('{}', { status: 200, headers: { 'content-type': 'application/json' } })
}

const definition = require(DEST_DIR).default
const destination = new core.Destination(definition)
const settings = { api_key: 'demo-key', server_token: 'demo-token' }
const presets = definition.presets.map((p) => ({
  action: p.partnerAction,
  mapping: p.mapping,
  fql: subscriptions.parseFql(p.subscribe),
}))

async function route(line) {
  const event = JSON.parse(line)
  for (const sub of presets) {
    let matched
    try {
      matched = subscriptions.validate(sub.fql, event)
    } catch {
      continue
    }
    if (!matched) continue
    try {
      await destination.executeAction(sub.action, {
        event,
        mapping: sub.mapping,
        settings,
        auth: core.getAuthData(settings),
        features: {},
        statsContext: {},
        subscriptionMetadata: {},
      })
    } catch {
      // An action error is an outcome too (the event still counts).
    }
  }
}

async function main() {
  const [file, runsArg] = process.argv.slice(2)
  if (!file) throw new Error('usage: bench-route.js FILE [RUNS]')
  const lines = fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '')
  const runs = Number(runsArg || 3)
  // Warm-up: the JIT compiles the hot paths before anything is timed.
  for (const l of lines.slice(0, 2000)) await route(l)
  let best = Infinity
  let bestCpu = Infinity
  for (let r = 0; r < runs; r++) {
    const started = process.hrtime.bigint()
    const cpu = process.cpuUsage()
    for (const l of lines) await route(l)
    best = Math.min(best, Number(process.hrtime.bigint() - started) / 1e9)
    const used = process.cpuUsage(cpu)
    bestCpu = Math.min(bestCpu, (used.user + used.system) / 1e6)
  }
  if (requests === 0 || bodyBytes === 0) throw new Error('no requests were built')
  console.log(
    `events=${lines.length} secs=${best.toFixed(4)} events_per_sec=${Math.round(lines.length / best)} ` +
      `cpu_secs=${bestCpu.toFixed(4)} events_per_cpu_sec=${Math.round(lines.length / bestCpu)}`
  )
}
main().catch((e) => {
  console.error(`bench-route: ${e && e.stack ? e.stack : e}`)
  process.exit(1)
})
