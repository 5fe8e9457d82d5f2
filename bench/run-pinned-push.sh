#!/usr/bin/env bash
# The push-throughput part (3 of run-e2e-bench.sh) with the client on its own core: the benchmark JVM starts on
# CPU 0, and its client threads — the push's scanning and transfer threads, the java.net.http client's threads and
# the raw PUT's pool (names chunkvault-*, HttpClient-*, pool-*) — are moved to CPU 1 as they appear (checked every
# 100 ms). The local cloud (s3proxy, DynamoDB Local, the handlers) and the JVM's own threads (JIT, GC) stay on
# CPU 0. So the raw PUT measures what s3proxy alone absorbs on one core, and the push shows whether the client keeps
# up with it, as it would with the S3 endpoint on another machine.
# Needs Linux with taskset (util-linux) and at least 2 CPUs. Writes bench/results/push-pinned-<date>.md.
#
# Usage: bench/run-pinned-push.sh [--push-bytes N] [--seed N]   (any E2eBench option; --parts is set to push)
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ "${1:-}" == "-h" || "${1:-}" == "--help" ]]; then
  sed -n '2,11p' "$0"
  exit 0
fi
command -v taskset >/dev/null 2>&1 || { echo "taskset is missing (package util-linux)" >&2; exit 1; }
threads=$(nproc 2>/dev/null || getconf _NPROCESSORS_ONLN)
[[ $threads -ge 2 ]] || { echo "needs at least 2 CPUs, this machine has $threads" >&2; exit 1; }

tmp=bench/results/tmp
work=$tmp/pinned-work
day=$(date +%Y-%m-%d)
out=bench/results/push-pinned-$day.md
mkdir -p "$tmp"

echo "== build"
mvn -q -B -pl bench -am package -DskipTests

# Moves the threads of JVM $1 to their CPU once each, until the JVM exits.
pin() {
  local pid=$1 t tid comm cpu
  declare -A pinned=()
  while kill -0 "$pid" 2>/dev/null; do
    for t in /proc/"$pid"/task/*; do
      tid=${t##*/}
      [[ -n "${pinned[$tid]:-}" ]] && continue
      comm=$(cat "$t/comm" 2>/dev/null) || continue
      case "$comm" in
        chunkvault-*|HttpClient-*|pool-*) cpu=1 ;;
        *) cpu=0 ;;
      esac
      taskset -p -c "$cpu" "$tid" >/dev/null 2>&1 && pinned[$tid]=$cpu
    done
    sleep 0.1
  done
}

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
started=$(date -u +%Y-%m-%dT%H:%M:%SZ)
echo "== run (load average $load_before; the log is $tmp/pinned.log)"
rm -rf "$work"
set +e
taskset -c 0 java -Xmx4g -cp bench/target/benchmarks.jar dev.chunkvault.bench.e2e.E2eBench \
  --out "$tmp/pinned-body.md" --work "$work" "$@" --parts push > "$tmp/pinned.log" 2>&1 &
jvm=$!
pin "$jvm" &
pinner=$!
wait "$jvm"
status=$?
wait "$pinner" 2>/dev/null
set -e
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

{
  echo "# Push throughput with the client on its own core, $day"
  echo
  echo "- commit: $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- bench client functions infra ':!bench/results' || echo ' (with uncommitted changes)')"
  echo "- started $started; command: \`bench/run-pinned-push.sh${*:+ $*}\`"
  echo "- CPU: $(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo), $threads hardware threads; the local cloud and the JVM's own threads on CPU 0, the client's on CPU 1"
  echo "- $(java -version 2>&1 | sed -n 1p)"
  echo "- load average (1, 5, 15 min) before the run: $load_before; after: $load_after"
  echo "- the table's \"CPU raw / push\" and \"ceiling\" assume that both runs share every core; here they do not, so"
  echo "  they do not apply. The CPU by thread group below shows what each core carried (client threads: CPU 1)."
  cat "$tmp/pinned-body.md"
} > "$out"
rm -rf "$work"
echo "== wrote $out"
cat "$out"
exit $status
