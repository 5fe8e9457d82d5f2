#!/usr/bin/env bash
# Whether the CLI plans a first sync of TREE within a given heap (issue 15's out-of-memory cliff): a local cloud of its
# own with an empty account, then `chunkvault sync --dry-run TREE` (scan, listing, plan: every file's record is live at
# once, no transfer yet) in a JVM with -Xmx of each HEAP given and the serial collector; prints for each whether it
# finished, its wall seconds and peak RSS, and the largest heap left by a collection (at most the live set and some).
#
# Usage: bench/run-client-plan-heap.sh TREE HEAP [HEAP ...]     e.g. bench/run-client-plan-heap.sh /tmp/t150 144m 96m
# A tree of 150,000 files without the disk space: three hard-linked copies, `cp -al /tmp/trees/py311/. T/cN/`.
# Results: docs/perf-many-files.md, "Records per file".
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ $# -lt 2 || "$1" == "-h" || "$1" == "--help" ]]; then
  sed -n '2,9p' "$0"
  exit 0
fi
tree=$(readlink -f "$1")
shift
# its sync state is made and deleted here: never a folder that is synced already
[[ -e "$tree/.chunkvault" ]] && { echo "$tree is a sync folder (it has .chunkvault): give a copy" >&2; exit 1; }
work=$(mktemp -d /tmp/chunkvault-plan-heap.XXXXXX)
port=${API_PORT:-4880}
cloud_pid=
cleanup() {
  local status=$?
  if [[ -n "$cloud_pid" ]]; then
    kill "$cloud_pid" 2>/dev/null || true
    wait "$cloud_pid" 2>/dev/null || true
  fi
  rm -rf "$work/cloud" "$tree/.chunkvault"
  exit "$status"
}
trap cleanup EXIT
command -v /usr/bin/time >/dev/null || { echo "missing: /usr/bin/time (apt-get install -y time)" >&2; exit 1; }

[[ -f client/target/chunkvault.jar && -f infra/local/target/chunkvault-local.jar ]] \
  || mvn -B -q -pl client,infra/local -am package -DskipTests >&2
source bench/local-cloud.sh
start_local_cloud "$work/cloud" "$port"
export CHUNKVAULT_ENDPOINT="http://127.0.0.1:$port" CHUNKVAULT_TOKEN="$(local_token "$port" plan-heap)" \
  CHUNKVAULT_CONFIG_DIR="$work/config"
files=$(find "$tree" -type f -not -path '*/.chunkvault/*' | wc -l)
for heap in "$@"; do
  rm -rf "$tree/.chunkvault"
  status=0
  MALLOC_ARENA_MAX=2 /usr/bin/time -f '%e %M' -o "$work/time-$heap" java "-Xmx$heap" -XX:+UseSerialGC \
    -Djdk.nio.maxCachedBufferSize=32768 "-Xlog:gc:file=$work/gc-$heap.log" -jar client/target/chunkvault.jar \
    sync --dry-run "$tree" > "$work/plan-$heap.log" 2>&1 || status=$?
  read -r wall kb < <(tail -1 "$work/time-$heap") # after "Command exited with non-zero status N"
  live=$(sed -n "s/.*Pause.*->\([0-9]*\)M.*/\1/p" "$work/gc-$heap.log" | sort -n | tail -1)
  oom=$(grep -c OutOfMemoryError "$work/plan-$heap.log" || true)
  echo "$files files, -Xmx$heap: exit $status$([[ $oom -gt 0 ]] && echo ' (out of memory)'), ${wall} s," \
    "$((kb / 1024)) MB peak RSS, largest heap left by a collection ${live:-none} MB"
done
