#!/bin/sh
# Captures what the three SDKs send into fixtures/bench-realistic/captures/, then regenerates
# the corpus. Needs node, python3 and Debian's chromium; installs the SDKs into a scratch
# directory outside the repository (SCRATCH, default /tmp/bench-corpus-sdks).
#   sh reference/bench-corpus/capture.sh
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out="$here/../../fixtures/bench-realistic/captures"
scratch=${SCRATCH:-/tmp/bench-corpus-sdks}
mkdir -p "$scratch" "$out"
if [ ! -d "$scratch/node_modules/@segment/analytics-node" ]; then
  (cd "$scratch" && npm init -y >/dev/null && npm install --no-audit --no-fund \
    @segment/analytics-node@3.1.0 @segment/analytics-next@1.84.3 playwright-core >/dev/null)
fi
if [ ! -x "$scratch/venv/bin/python" ]; then
  python3 -m venv "$scratch/venv" && "$scratch/venv/bin/pip" install -q segment-analytics-python==2.4.0
fi
ln -sfn "$scratch/node_modules" "$here/node_modules"
capture() { # NAME COMMAND...
  name=$1; shift
  rm -f "$scratch/port"
  node "$here/capture-server.js" "$scratch/$name.ndjson" 0 > "$scratch/port" &
  server=$!
  while ! grep -q listening "$scratch/port" 2>/dev/null; do sleep 0.1; done
  port=$(cut -d' ' -f2 "$scratch/port")
  "$@" "$port"
  sleep 1
  kill "$server"; wait "$server" || true
  cp "$scratch/$name.ndjson" "$out/$name.ndjson"
}
node "$here/calls.js" 160 > "$scratch/calls.json"
capture node sh -c 'node "$0/drive-node.js" "$1" 160' "$here"
capture python sh -c '"$0/venv/bin/python" "$1/drive-python.py" "$2" "$0/calls.json"' "$scratch" "$here"
capture browser sh -c 'node "$0/drive-browser.mjs" "$1" 60' "$here"
rm -f "$here/node_modules"
node "$here/gen-corpus.js"
