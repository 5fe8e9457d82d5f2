#!/usr/bin/env bash
# The web console's targets (issue 19), end to end in Debian's Chromium against a local cloud of its own:
# first paint ≤ 1 s, a 10,000-entry folder listed in ≤ 1 s, a 100 MB browser upload ≥ 50 MB/s (and a 100 MB
# download), with the Java CLI pushing and pulling a file of the same size on the same cloud beside it.
#
# Usage: bench/run-console-bench.sh [--no-build] [--many N] [--mib N] [--uploads N] [--runs N] [--no-cli]
#   --no-build   use the jars already built (infra/local/target, client/target) instead of mvn -o package
#   --many N     files in the big folder (10000)       --mib N     size of each upload in MiB (100)
#   --uploads N  timed uploads, each of a new random file, after an untimed one (2)
#   --runs N     page loads of each kind (5)
#   --no-cli     skip the CLI's push and pull
# Env: API_PORT (first of four free ports, found from 5950 otherwise), CHROMIUM (/usr/bin/chromium), PROFILE=1 (a CPU
# profile of the page during the first timed upload: its top functions are printed, the .cpuprofile kept).
# Prints a table; the JSON of every figure and the page's screenshots are kept in bench/results/tmp/console/.
set -euo pipefail
cd "$(dirname "$0")/.."
build=1 many=10000 mib=100 uploads=2 runs=5 cli=1
while [[ $# -gt 0 ]]; do
  case "$1" in
    --no-build) build=0 ;;
    --many) many=$2; shift ;;
    --mib) mib=$2; shift ;;
    --uploads) uploads=$2; shift ;;
    --runs) runs=$2; shift ;;
    --no-cli) cli=0 ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
chromium=${CHROMIUM:-/usr/bin/chromium}
[[ -x "$chromium" ]] || { echo "missing: $chromium (apt-get install -y chromium)" >&2; exit 1; }
command -v node >/dev/null || { echo "missing: node (apt-get install -y nodejs npm)" >&2; exit 1; }

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
port=${API_PORT:-}
if [[ -z "$port" ]]; then
  for p in $(seq 5950 10 6450); do
    if port_free "$p" && port_free $((p + 1)) && port_free $((p + 2)) && port_free $((p + 3)); then port=$p; break; fi
  done
fi
[[ -n "$port" ]] || { echo "no four free ports from 5950" >&2; exit 1; }

work=$(mktemp -d /tmp/chunkvault-console-bench.XXXXXX)
keep=bench/results/tmp/console
mkdir -p "$keep"
cloud_pid=
cleanup() {
  local status=$?
  if [[ -n "$cloud_pid" ]]; then
    kill "$cloud_pid" 2>/dev/null || true
    wait "$cloud_pid" 2>/dev/null || true
  fi
  [[ -f "$work/cloud.log" ]] && cp "$work/cloud.log" "$keep/cloud.log"
  rm -rf "$work"
  exit "$status"
}
trap cleanup EXIT

if [[ $build -eq 1 ]]; then
  # infra/local (the local cloud, with the console's jar built by npm through Maven) and client (the CLI).
  mvn -B -o -q -pl infra/local,client -am package -DskipTests >&2
fi
[[ -d console/node_modules/playwright-core ]] || (cd console && npm ci --no-audit --no-fund --loglevel=error) >&2

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
echo "== local cloud on 127.0.0.1:$port (s3proxy $((port + 1)), DynamoDB Local $((port + 2))), data in $work/cloud" >&2
# Like bench/local-cloud.sh's start_local_cloud, with the WebSocket port and no schedules (no GC during the runs).
java ${CHUNKVAULT_LOCAL_JAVA_OPTS:--Xmx1g} -jar infra/local/target/chunkvault-local.jar start --data "$work/cloud" \
  --template template.yaml --port "$port" --s3-port $((port + 1)) --dynamodb-port $((port + 2)) \
  --ws-port $((port + 3)) --no-schedules > "$work/cloud.log" 2>&1 &
cloud_pid=$!
for _ in $(seq 1 120); do
  curl -fsS "http://127.0.0.1:$port/local/v1/status" >/dev/null 2>&1 && break
  kill -0 "$cloud_pid" 2>/dev/null || { tail -30 "$work/cloud.log" >&2; exit 1; }
  sleep 1
done
source bench/local-cloud.sh
token=$(local_token "$port" console-bench)
[[ -n "$token" ]] || { tail -30 "$work/cloud.log" >&2; echo "no token" >&2; exit 1; }

files=()
for i in $(seq 1 "$uploads"); do
  head -c $((mib << 20)) /dev/urandom > "$work/big-$i.bin"
  files+=("$work/big-$i.bin")
done
big_list=$(IFS=,; echo "${files[*]}")
head -c $((mib << 20)) /dev/urandom > "$work/warm-up.bin"   # uploaded first, untimed (the cloud's JIT warms up)

echo "== the browser: Chromium $("$chromium" --version 2>/dev/null | awk '{print $2}'), node $(node --version)" >&2
(cd console && CONSOLE_URL="http://127.0.0.1:$port" TOKEN="$token" BENCH_USER=console-bench CHROMIUM="$chromium" CLOUD_PID="$cloud_pid" WARMUP_FILE="$work/warm-up.bin" \
  PROFILE="${PROFILE:-}" MANY="$many" RUNS="$runs" BIG_FILES="$big_list" OUT="$PWD/../$keep/console-bench.json" SCREENSHOTS="$PWD/../$keep" \
  node bench/console-bench.mjs) | tee "$keep/console-bench.txt" || echo "(the browser part failed: see above)" >&2

if [[ $cli -eq 1 ]]; then
  # The Java CLI on the same cloud: another user (no chunk in common) and a new file of the same size.
  cli_token=$(local_token "$port" console-bench-cli)
  head -c $((mib << 20)) /dev/urandom > "$work/cli.bin"
  export CHUNKVAULT_ENDPOINT="http://127.0.0.1:$port" CHUNKVAULT_TOKEN="$cli_token" CHUNKVAULT_CONFIG_DIR="$work/cli-config"
  t0=$(date +%s.%N)
  client/chunkvault push "$work/cli.bin" --to cli/cli.bin > "$work/cli-push.log" 2>&1 || { cat "$work/cli-push.log" >&2; exit 1; }
  t1=$(date +%s.%N)
  client/chunkvault pull cli/cli.bin "$work/cli-pulled.bin" > "$work/cli-pull.log" 2>&1 || { cat "$work/cli-pull.log" >&2; exit 1; }
  t2=$(date +%s.%N)
  cmp -s "$work/cli.bin" "$work/cli-pulled.bin" && same="bytes equal" || same="BYTES DIFFER"
  bytes=$((mib << 20))
  awk -v b="$bytes" -v a="$t0" -v m="$t1" -v z="$t2" -v s="$same" 'BEGIN {
    printf "| Java CLI: push %.1f MB (a JVM start included) | %.2f s = %.1f MB/s | | |\n", b / 1e6, m - a, b / 1e6 / (m - a);
    printf "| Java CLI: pull %.1f MB (a JVM start included), %s | %.2f s = %.1f MB/s | | |\n", b / 1e6, s, z - m, b / 1e6 / (z - m) }' \
    | tee -a "$keep/console-bench.txt"
fi
echo "load average before: $load_before; after: $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) cores; $(git rev-parse --short HEAD)" \
  | tee -a "$keep/console-bench.txt"
