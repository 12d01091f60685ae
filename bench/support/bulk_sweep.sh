#!/usr/bin/env bash
# Bulk-download sweep over transport settings (server and client in separate
# processes, RUNS downloads each, one fresh server per setting):
#   RUNS=3 bash bench/support/bulk_sweep.sh '{}' '{"ackEveryN":8}' ...
# Each argument is a GQUIC_TRANSPORT JSON given to both sides. Prints the
# client's result line per run and the server's loss counters (STATS).
set -euo pipefail
cd "$(dirname "$0")/../.."
BYTES=${BYTES:-20000000}
RUNS=${RUNS:-3}
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
deno eval "import {makeTestCerts, writeTestCerts} from './tests/interop/certs.ts'; writeTestCerts('$OUT', makeTestCerts());"
for cfg in "$@"; do
  PORT=$((20000 + RANDOM % 20000))
  rm -f "$OUT/ctl" "$OUT/server.log" && mkfifo "$OUT/ctl"
  GQUIC_TRANSPORT="$cfg" GQUIC_PERF_STATS=1 deno run --unstable-net -A bench/support/perf_server.ts \
    --impl "${IMPL:-gquic}" --port "$PORT" --cert "$OUT/cert.pem" --key "$OUT/key.pem" \
    > "$OUT/server.log" 2> "$OUT/server.err" < "$OUT/ctl" &
  SRV=$!
  exec 3>"$OUT/ctl"
  for _ in $(seq 50); do grep -q READY "$OUT/server.log" 2>/dev/null && break; sleep 0.1; done
  for _ in $(seq "$RUNS"); do
    printf '%s  ' "$cfg"
    GQUIC_TRANSPORT="$cfg" deno run --unstable-net -A bench/support/perf_client.ts --impl "${IMPL:-gquic}" \
      --port "$PORT" --ca "$OUT/ca.pem" --download "$BYTES" | head -1
  done
  sleep 0.3
  echo exit >&3
  exec 3>&-
  wait "$SRV" 2>/dev/null || true
  grep STATS "$OUT/server.err" | deno eval --ext=ts "
    for (const l of (await new Response(Deno.stdin.readable).text()).trim().split('\n')) {
      if (!l) continue;
      const s = JSON.parse(l.slice(6));
      const pick = Object.fromEntries(Object.entries(s).filter(([k]) => /lost|sent|recv|cwnd|mtu|Rtt|ack/i.test(k)));
      console.log('  server', JSON.stringify(pick));
    }" || true
done
