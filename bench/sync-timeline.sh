#!/usr/bin/env bash
# What a sync's requests do over time (issue 15): a first sync of TREE through the real CLI against a fresh local cloud
# (its data on disk, as `infra/local-cloud start` keeps it), then, with TREE2, the folder upgraded in place to TREE2 and
# synced again. For each step: wall and the CLI's CPU, the local cloud's CPU by thread group, and from the cloud's request
# log each route's count, mean time and how many were in flight on average (the sum of their times over the step's span),
# so a step's critical path shows (docs/perf-many-files.md).
#
# Usage: bench/sync-timeline.sh TREE [TREE2]
#   e.g. bench/sync-timeline.sh /tmp/trees/mix1 /tmp/trees/mix2   (bench/make-linux-trees.sh and docs/perf-many-files.md)
# ROOT: the checkout whose CLI and local cloud run (default: this one; another worktree for an A/B). API_PORT (4890) and
# the next three ports. The cloud's log of the last step is kept in /tmp/sync-timeline-cloud.log.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
if [[ $# -lt 1 || "$1" == -h || "$1" == --help ]]; then
  sed -n '2,12p' "$0"
  exit 0
fi
tree=$(readlink -f "$1")
tree2=${2:+$(readlink -f "$2")}
cd "${ROOT:-$here}"
port=${API_PORT:-4890}
work=$(mktemp -d /tmp/chunkvault-timeline.XXXXXX)
source "$here/bench/local-cloud.sh"
cloud_pid=
cli_against_local_cloud "$work" "$port" "timeline-$(date +%s)"
export JAVA_OPTS="-Xmx128m -XX:+UseSerialGC -Djdk.nio.maxCachedBufferSize=32768" # client/chunkvault's defaults

# step LABEL [SYNC OPTIONS...]: one timed sync of the folder, its cloud CPU, and its requests
step() {
  local label=$1
  shift
  local from cpu0
  from=$(wc -l < "$work/cloud.log")
  cpu0=$(cloud_cpu)
  cloud_thread_ticks > "$work/t0.threads"
  /usr/bin/time -f "$label: %e s wall, %M KB peak RSS, %U s user, %S s system (the CLI)" \
    client/chunkvault sync "$@" "$work/a" > "$work/sync.log" 2> "$work/time.txt" || { tail -20 "$work/sync.log" >&2; exit 1; }
  tail -1 "$work/time.txt"
  cloud_thread_ticks > "$work/t1.threads"
  echo "the local cloud's CPU: $(awk -v t="$(getconf CLK_TCK)" -v a="$cpu0" -v b="$(cloud_cpu)" \
    'BEGIN { printf "%.1f", (b - a) / t }') s; by thread group: $(cloud_thread_groups "$work/t0.threads" "$work/t1.threads")"
  tail -n +"$((from + 1))" "$work/cloud.log" > /tmp/sync-timeline-cloud.log
  python3 - /tmp/sync-timeline-cloud.log <<'PY'
import collections, re, sys
rx = re.compile(r'^(\d\d):(\d\d):(\d\d)\.(\d+) \[INFO\] \S+LocalHttpApi - (\S+) (\S+) (\d+) (\d+) ms')
ev = []
for line in open(sys.argv[1]):
    m = rx.match(line)
    if m:
        h, mi, s, ms, method, path, _, took = m.groups()
        end = int(h) * 3600 + int(mi) * 60 + int(s) + int(ms) / 1000
        ev.append((end - int(took) / 1000, end, method + " " + re.sub(r"\?.*", "", path)))
if not ev:
    sys.exit(0)
span = max(e[1] for e in ev) - min(e[0] for e in ev)
by = collections.defaultdict(list)
for e in ev:
    by[e[2]].append(e[1] - e[0])
print("requests over %.1f s (the HTTP API's; S3 requests go to s3proxy directly and are not here):" % span)
print("| route | count | mean ms | in flight on average |\n|---|---:|---:|---:|")
for route, times in sorted(by.items(), key=lambda kv: -sum(kv[1])):
    print("| %s | %d | %.0f | %.2f |" % (route, len(times), 1000 * sum(times) / len(times), sum(times) / span))
PY
}

mkdir -p "$work/a"
cp -a "$tree/." "$work/a/"
echo "tree: $tree ($(find "$tree" -type f | wc -l) files); load average $(cut -d' ' -f1-3 /proc/loadavg); $(git log -1 --format=%h)"
step "first sync"
if [[ -n "$tree2" ]]; then
  client/chunkvault sync "$work/a" > /dev/null 2>&1 # reads its own last commits back
  rsync -rl --checksum --delete --exclude .chunkvault "$tree2/" "$work/a/"
  step "update to $(basename "$tree2")" --force
fi
