#!/usr/bin/env bash
# The CLI's peak memory on a big tree (issue 15): a local cloud of its own (data on disk), then `chunkvault sync` of a
# copy of TREE (first sync) and of an empty folder (second device), each in a JVM started with the given options;
# prints wall seconds and peak RSS (/usr/bin/time) of each, and checks the two folders hold the same files.
# With NMT=1 it also keeps the JVM's native-memory summary at the highest RSS seen (sampled every 3 s) in WORK/*.nmt.
# With HISTO=1 it keeps the live-object histogram (`jcmd PID GC.class_histogram`, a full GC each) every HISTO_EVERY
# seconds (default 15) of each sync in WORK/histo-{a,b}-N.txt, and prints the largest live heap seen and its file.
#
# Usage: bench/run-client-memory.sh TREE [JVM OPTION ...]
#   e.g. bench/run-client-memory.sh /tmp/trees/py311 -Xmx256m -XX:+UseSerialGC -Djdk.nio.maxCachedBufferSize=32768
# Without options: the launcher's defaults (client/chunkvault). Results: docs/perf-many-files.md, "The client's memory".
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
if [[ $# -lt 1 || "$1" == "-h" || "$1" == "--help" ]]; then
  sed -n '2,9p' "$0"
  exit 0
fi
tree=$(readlink -f "$1")
shift
opts=("$@")
work=$(mktemp -d /tmp/chunkvault-memory.XXXXXX)
port=${API_PORT:-4870}
cloud_pid=
sampler_pid=
histo_pid=
cleanup() {
  local status=$?
  [[ -n "$sampler_pid" ]] && kill "$sampler_pid" 2>/dev/null || true
  [[ -n "$histo_pid" ]] && kill "$histo_pid" 2>/dev/null || true
  if [[ -n "$cloud_pid" ]]; then
    kill "$cloud_pid" 2>/dev/null || true
    wait "$cloud_pid" 2>/dev/null || true
  fi
  rm -rf "$work/a" "$work/b" "$work/cloud"
  exit "$status"
}
trap cleanup EXIT
command -v /usr/bin/time >/dev/null || { echo "missing: /usr/bin/time (apt-get install -y time)" >&2; exit 1; }

mvn -B -q -pl client,infra/local -am package -DskipTests >&2
source bench/local-cloud.sh
start_local_cloud "$work/cloud" "$port"
token=$(local_token "$port" memory-bench)
export CHUNKVAULT_ENDPOINT="http://127.0.0.1:$port" CHUNKVAULT_TOKEN="$token" CHUNKVAULT_CONFIG_DIR="$work/config"
mkdir -p "$work/a" "$work/b"
cp -a "$tree/." "$work/a/"

if [[ "${NMT:-0}" == 1 ]]; then
  opts+=(-XX:NativeMemoryTracking=summary)
  (
    peak=0
    while true; do
      for pid in $(pgrep -f "^java.*chunkvault.jar sync $work/" || true); do
        rss=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)
        if [[ -n "$rss" && "$rss" -gt "$peak" ]]; then
          peak=$rss
          { echo "rss_kb $rss"; jcmd "$pid" VM.native_memory summary; } > "$work/peak.nmt" 2>/dev/null || true
        fi
      done
      sleep 3
    done
  ) &
  sampler_pid=$!
fi

if [[ "${HISTO:-0}" == 1 ]]; then
  (
    n=0
    while true; do
      for pid in $(pgrep -f "^java.*chunkvault.jar sync $work/" || true); do
        d=$(tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | sed -n "s|.* sync $work/\([ab]\).*|\1|p")
        [[ -z "$d" ]] && continue
        n=$((n + 1))
        rss=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)
        { echo "rss_kb $rss seconds $SECONDS"; jcmd "$pid" GC.class_histogram; } > "$work/histo-$d-$n.txt" 2>/dev/null || true
      done
      sleep "${HISTO_EVERY:-15}"
    done
  ) &
  histo_pid=$!
fi

for d in a b; do
  if [[ ${#opts[@]} -eq 0 ]]; then
    cmd=(client/chunkvault sync "$work/$d")
  else
    cmd=(java "${opts[@]}" -jar client/target/chunkvault.jar sync "$work/$d")
  fi
  MALLOC_ARENA_MAX=2 /usr/bin/time -f '%e %M' -o "$work/time-$d" "${cmd[@]}" > "$work/sync-$d.log" 2>&1 \
    || { tail -20 "$work/sync-$d.log" >&2; exit 1; }
  read -r wall kb < "$work/time-$d"
  echo "$([[ $d == a ]] && echo 'first sync   ' || echo 'second device'): ${wall} s, $((kb / 1024)) MB peak RSS"
done
if diff -rq --exclude=.chunkvault "$work/a" "$work/b" >/dev/null; then echo "the two folders hold the same files"; else
  echo "the folders differ" >&2; exit 1; fi
[[ "${NMT:-0}" == 1 ]] && echo "native memory at the highest RSS: $work/peak.nmt"
if [[ "${HISTO:-0}" == 1 ]]; then
  for d in a b; do
    best=$(for f in "$work"/histo-$d-*.txt; do [[ -f $f ]] && echo "$(awk '/^Total/ {print $3}' "$f") $f"; done | sort -n | tail -1)
    [[ -n "$best" ]] && echo "$([[ $d == a ]] && echo 'first sync   ' || echo 'second device'): largest live heap $((${best%% *} / 1048576)) MB, ${best#* }"
  done
fi
exit 0
