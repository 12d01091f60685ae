#!/usr/bin/env bash
# CPU-profiles one bulk download (server and client in separate processes):
#   bash bench/support/profile_bulk.sh [BYTES] [OUTDIR]
#   MODE=handshake bash bench/support/profile_bulk.sh [COUNT] [OUTDIR]  (sequential handshakes)
# Writes OUTDIR/server/*.cpuprofile and OUTDIR/client/*.cpuprofile and prints
# the top self-time functions of each (bench/support/cpuprofile_summary.ts).
set -euo pipefail
cd "$(dirname "$0")/../.."
BYTES=${1:-20000000}
OUT=${2:-/tmp/gquic-prof}
IMPL=${IMPL:-gquic}
rm -rf "$OUT" && mkdir -p "$OUT/server" "$OUT/client" "$OUT/certs" && mkfifo "$OUT/ctl"
deno eval "import {makeTestCerts, writeTestCerts} from './tests/interop/certs.ts'; writeTestCerts('$OUT/certs', makeTestCerts());"
PORT=$((20000 + RANDOM % 20000))
deno run --unstable-net -A --cpu-prof --cpu-prof-dir="$OUT/server" bench/support/perf_server.ts \
  --impl "$IMPL" --port "$PORT" --cert "$OUT/certs/cert.pem" --key "$OUT/certs/key.pem" \
  > "$OUT/server.log" < "$OUT/ctl" &
SRV=$!
exec 3>"$OUT/ctl"
for _ in $(seq 50); do grep -q READY "$OUT/server.log" 2>/dev/null && break; sleep 0.1; done
if [ "${MODE:-bulk}" = handshake ]; then
  deno run --unstable-net -A --cpu-prof --cpu-prof-dir="$OUT/client" bench/support/handshake_client.ts \
    --port "$PORT" --ca "$OUT/certs/ca.pem" --count "$BYTES" | head -1
else
  deno run --unstable-net -A --cpu-prof --cpu-prof-dir="$OUT/client" bench/support/perf_client.ts \
    --impl "$IMPL" --port "$PORT" --ca "$OUT/certs/ca.pem" --download "$BYTES" | head -1
fi
echo exit >&3
wait "$SRV" 2>/dev/null || true
for side in server client; do
  f=$(ls "$OUT/$side"/*.cpuprofile 2>/dev/null | head -1)
  [ -n "$f" ] && { echo "== $side"; deno run -A bench/support/cpuprofile_summary.ts "$f" "${TOP:-25}"; }
done
