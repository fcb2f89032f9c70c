#!/usr/bin/env node
// A tiny loopback capture server for the SDK captures behind fixtures/bench-realistic/.
//
//   node capture-server.js OUT.ndjson [PORT]
//
// Records every POST body exactly as received (decompressed when gzip), one NDJSON line per
// request: {"sdk": <from the X-Capture-Sdk header or the path>, "path", "body": "<raw text>"}.
// For the browser SDK it also serves what analytics-next loads: a test page
// (any other GET asking for HTML), the project settings (/v1/projects/<key>/settings) and analytics-next's own
// bundles (/analytics-next/bundles/*, from node_modules). It answers every POST `200 {}`.
// Prints `listening PORT` on stdout once ready.
'use strict'
const fs = require('fs')
const http = require('http')
const path = require('path')
const zlib = require('zlib')

const out = fs.createWriteStream(process.argv[2])
const port = Number(process.argv[3] || 0)
const umd = path.join(__dirname, 'node_modules/@segment/analytics-next/dist/umd')

const TITLES = {
  '/': 'Home | Initech',
  '/pricing': 'Pricing | Initech',
  '/blog/caf%C3%A9': 'Le café — "notes" & recettes',
  '/search': 'Search results',
  '/checkout': 'Checkout – Étape 2',
}

function page(url) {
  const u = new URL(url, 'http://x')
  const title = TITLES[u.pathname] || 'Example'
  return `<!doctype html><html><head><meta charset="utf-8"><title>${title}</title>
<script src="/analytics-next/bundles/index.js"></script></head>
<body><a id="next" href="/checkout">next</a>
<script>window.ready = false</script></body></html>`
}

const server = http.createServer((req, res) => {
  const chunks = []
  req.on('data', (c) => chunks.push(c))
  req.on('end', () => {
    let buf = Buffer.concat(chunks)
    if (req.method === 'GET') {
      if (req.headers.accept?.includes('text/html')) {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
        return res.end(page(req.url))
      }
      if (req.url.startsWith('/v1/projects/')) {
        res.writeHead(200, { 'content-type': 'application/json' })
        const host = req.headers.host
        return res.end(
          JSON.stringify({
            integrations: {
              'Segment.io': { apiKey: 'capture-key', apiHost: `${host}/v1`, protocol: 'http' },
            },
            plan: { track: { __default: { enabled: true } } },
          })
        )
      }
      if (req.url.startsWith('/analytics-next/bundles/')) {
        const file = path.join(umd, path.basename(req.url.split('?')[0]))
        if (fs.existsSync(file)) {
          res.writeHead(200, { 'content-type': 'application/javascript' })
          return res.end(fs.readFileSync(file))
        }
      }
      res.writeHead(404)
      return res.end()
    }
    if ((req.headers['content-encoding'] || '').includes('gzip')) buf = zlib.gunzipSync(buf)
    const sdk = req.headers['x-capture-sdk'] || req.headers['user-agent'] || ''
    out.write(JSON.stringify({ sdk: String(sdk), path: req.url, body: buf.toString('utf8') }) + '\n')
    res.writeHead(200, {
      'content-type': 'application/json',
      'access-control-allow-origin': '*',
      'access-control-allow-headers': '*',
    })
    res.end('{}')
  })
})
server.listen(port, '127.0.0.1', () => console.log(`listening ${server.address().port}`))
process.on('SIGTERM', () => out.end(() => process.exit(0)))
