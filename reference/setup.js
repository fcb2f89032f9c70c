#!/usr/bin/env node
// Prepares the reference project: installs the pinned dependencies from package-lock.json
// (`npm ci`) and unpacks the Usermaven destination from the published
// @segment/action-destinations tarball into node_modules/@segment/action-destinations.
//
// `npm install @segment/action-destinations` cannot work (one of its @aws-sdk dependencies is
// not served), and the Usermaven destination only needs @segment/actions-core, lodash and
// liquidjs, which package.json pins. Idempotent: does nothing when everything is in place.
// Prints nothing on success unless --verbose is given.
'use strict'

const fs = require('fs')
const os = require('os')
const path = require('path')
const crypto = require('crypto')
const { execFileSync } = require('child_process')

const ROOT = __dirname
const NM = path.join(ROOT, 'node_modules')
const DEST_PKG = '@segment/action-destinations'
const DEST_VERSION = '3.497.0'
// dist.integrity of @segment/action-destinations@3.497.0 on registry.npmjs.org
const DEST_INTEGRITY =
  'sha512-b9DztTrR1XrfBu/0UyUgTXNfv7s5gpjBPO/w7C8aW6IHsSMSMte7wNdVHzGsujJ4P43g7cKsWb5zuV2BdVn/UA=='
// Only the Usermaven destination is used; extracting just it keeps the other destinations
// (and their unresolvable dependencies) out of reach.
const EXTRACT = ['package/package.json', 'package/dist/destinations/usermaven']

const verbose = process.argv.includes('--verbose')
const log = (...a) => {
  if (verbose) console.error('[reference/setup]', ...a)
}
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm'

function readJson(p) {
  try {
    return JSON.parse(fs.readFileSync(p, 'utf8'))
  } catch {
    return null
  }
}

// npm ci is needed when node_modules is missing or was installed from another lockfile.
function depsUpToDate() {
  const lock = readJson(path.join(ROOT, 'package-lock.json'))
  const installed = readJson(path.join(NM, '.package-lock.json'))
  if (!lock || !installed) return false
  for (const [key, meta] of Object.entries(lock.packages || {})) {
    if (key === '') continue
    const got = installed.packages && installed.packages[key]
    if (!got || got.version !== meta.version) return false
    if (!fs.existsSync(path.join(ROOT, key, 'package.json'))) return false
  }
  return true
}

function destinationInPlace() {
  const pkg = readJson(path.join(NM, DEST_PKG, 'package.json'))
  return (
    pkg !== null &&
    pkg.version === DEST_VERSION &&
    fs.existsSync(path.join(NM, DEST_PKG, 'dist/destinations/usermaven/index.js'))
  )
}

function run(cmd, args, opts = {}) {
  log(cmd, args.join(' '))
  return execFileSync(cmd, args, {
    cwd: ROOT,
    stdio: verbose ? ['ignore', 'pipe', 'inherit'] : ['ignore', 'pipe', 'pipe'],
    encoding: 'utf8',
    ...opts
  })
}

function main() {
  if (!depsUpToDate()) {
    run(npm, ['ci', '--no-audit', '--no-fund', '--loglevel=error'])
  } else {
    log('dependencies up to date')
  }
  if (destinationInPlace()) {
    log(`${DEST_PKG}@${DEST_VERSION} in place`)
    return
  }
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'usermaven-ref-'))
  try {
    const out = run(npm, ['pack', `${DEST_PKG}@${DEST_VERSION}`, '--loglevel=error', '--pack-destination', tmp])
    const name = out.trim().split('\n').pop().trim()
    const tgz = path.join(tmp, name)
    const digest = 'sha512-' + crypto.createHash('sha512').update(fs.readFileSync(tgz)).digest('base64')
    if (digest !== DEST_INTEGRITY) {
      throw new Error(`integrity mismatch for ${DEST_PKG}@${DEST_VERSION}: ${digest}`)
    }
    const target = path.join(NM, DEST_PKG)
    fs.rmSync(target, { recursive: true, force: true })
    fs.mkdirSync(target, { recursive: true })
    run('tar', ['-xzf', tgz, '-C', target, '--strip-components=1', ...EXTRACT])
    if (!destinationInPlace()) throw new Error(`extracting ${DEST_PKG} failed`)
    log(`unpacked ${DEST_PKG}@${DEST_VERSION}`)
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true })
  }
}

try {
  main()
} catch (err) {
  const detail = err.stderr ? `\n${String(err.stderr).trim()}` : ''
  console.error(`reference setup failed: ${err.message}${detail}`)
  process.exit(1)
}
