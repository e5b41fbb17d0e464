#!/usr/bin/env bash
# The desk under load: 50 concurrent clients (wrk, on loopback) against
# `anjuan serve` on a synthetic 5,000-case office (issue 16, point 9).
#
#   benches/desk-load.sh            # release binary from target/release (built if missing)
#   ANJUAN_BIN=path/to/anjuan N=5000 ROUNDS=3 SECONDS_EACH=10 benches/desk-load.sh
#
# Each round measures, one after the other (interleaved, repeated ROUNDS times):
#   baseline   /assets/desk.css — a static asset through the same server, cookies
#              and security layers: the floor of this machine and server;
#   dashboard  / — due today and this week, counts by stage and leader;
#   case list  /cases — the first page of the list;
#   case page  /cases/ID — one case with its timeline and papers;
#   paper      /cases/ID/papers/NAME?inline=1 — a rendered PDF, previewed;
#   statistics /stats — the year's figures (kept while no case file changes).
# and prints requests/s, p50, p95 and p99 latency, non-2xx responses and socket
# errors, with the load average before each round. Needs wrk (Debian: wrk).
set -euo pipefail
cd "$(dirname "$0")/.."

N=${N:-5000}
ROUNDS=${ROUNDS:-3}
SECS=${SECONDS_EACH:-10}
CONC=${CONCURRENCY:-50}
BIN=${ANJUAN_BIN:-target/release/anjuan}
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk" >&2; exit 2; }
if [ ! -x "$BIN" ]; then cargo build --release --locked; fi

work=$(mktemp -d)
trap 'kill "${server:-0}" 2>/dev/null || true; rm -rf "$work"' EXIT
office="$work/office"
echo "== synth $N cases"
"$BIN" synth "$N" -o "$office" >/dev/null
export LOAD_PW="load-test-password"
"$BIN" user add "$office" admin --role 管理员 --password-env LOAD_PW >/dev/null
"$BIN" user add "$office" clerk --role 登记员 --password-env LOAD_PW >/dev/null
# The papers of one open case, to preview.
case_file=$(ls "$office/cases" | sed -n '1p')
case_id=${case_file%.toml}
"$BIN" render "$office/cases/$case_file" >/dev/null 2>&1
paper=$(ls "$office/papers/$case_id" | grep '\.pdf$' | sed -n '1p')
paper_enc=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1]))' "$paper")

"$BIN" serve "$office" --listen 127.0.0.1:0 >"$work/serve.out" 2>"$work/serve.err" &
server=$!
for _ in $(seq 50); do grep -q http:// "$work/serve.out" 2>/dev/null && break; sleep 0.1; done
url=$(grep -o 'http://[0-9.:]*' "$work/serve.out" | head -1)
[ -n "$url" ] || { cat "$work/serve.err"; exit 2; }

# Log in as the clerk: the login form's CSRF cookie and token, then the session.
jar="$work/jar"
page=$(curl -s -c "$jar" "$url/login")
token=$(printf '%s' "$page" | grep -o 'name="csrf" value="[^"]*"' | head -1 | sed 's/.*value="//; s/"$//')
curl -s -b "$jar" -c "$jar" -o /dev/null --data-urlencode "csrf=$token" \
  --data-urlencode "name=clerk" --data-urlencode "password=$LOAD_PW" "$url/login"
cookie=$(awk '$6 ~ /anjuan/ && $6 !~ /login/ {print $6"="$7}' "$jar" | head -1)
[ -n "$cookie" ] || { echo "login failed" >&2; exit 2; }
# Warm the index once (the first request walks the 5,000 files).
curl -s -o /dev/null -b "$cookie" "$url/"

cat >"$work/report.lua" <<'EOF'
done = function(summary, latency, requests)
  local non2xx = summary.errors.status
  local sock = summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout
  io.write(string.format("%.0f req/s  p50 %.1f ms  p95 %.1f ms  p99 %.1f ms  non-2xx %d  socket errors %d\n",
    summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    non2xx, sock))
end
EOF

echo "== $CONC clients, ${SECS}s each, $ROUNDS rounds; $N cases; server $url; $(nproc) cores"
for r in $(seq "$ROUNDS"); do
  echo "-- round $r, load average $(cut -d' ' -f1-3 /proc/loadavg)"
  for target in "baseline|/assets/desk.css" "dashboard|/" "case list|/cases" \
    "case page|/cases/$case_id" "paper|/cases/$case_id/papers/$paper_enc?inline=1" "statistics|/stats"; do
    name=${target%%|*}
    path=${target#*|}
    printf '%-10s ' "$name"
    wrk -t2 -c"$CONC" -d"${SECS}s" --latency -H "Cookie: $cookie" -s "$work/report.lua" "$url$path" | tail -1
  done
done
echo "== peak memory of the server: $(grep VmHWM /proc/$server/status | awk '{print $2/1024 " MB"}')"
