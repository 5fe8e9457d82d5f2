#!/usr/bin/env bash
# End-to-end benchmarks on the local cloud, side by side with rsync and restic, in one run:
#   1. delta sync: bytes over the wire for small edits of a 64 MiB file (and of 100 KB, 1 MB, 10 MB files),
#      Chunkvault (every HTTP byte, counted by a proxy) vs rsync --no-whole-file;
#   2. a real source tree in two versions (two releases of a sources jar from Maven Central): bytes over the
#      wire and wall time of the v2 sync vs rsync, bytes stored vs restic --compression off;
#   3. push throughput of 1 GiB of new random data vs the local S3 endpoint's raw PUT throughput.
# Builds the benchmark jar, installs rsync and restic if missing (as root), fetches the source jars, and writes
# bench/results/e2e-<date>.md.
#
# Usage: bench/run-e2e-bench.sh [--parts delta,tree,push] [--push-bytes N] [--seed N]
#   SOURCES=group:artifact, V1=..., V2=... choose the source tree (default com.google.guava:guava 33.2.1-jre → 33.3.0-jre)
# Takes about 5–10 minutes on 2 cores. Run it on a quiet machine: other load shows up in the wall times.
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ "${1:-}" == "-h" || "${1:-}" == "--help" ]]; then
  sed -n '2,13p' "$0"
  exit 0
fi

sources=${SOURCES:-com.google.guava:guava}
v1=${V1:-33.2.1-jre}
v2=${V2:-33.3.0-jre}
tmp=bench/results/tmp
work=$tmp/e2e-work
day=$(date +%Y-%m-%d)
out=bench/results/e2e-$day.md
mkdir -p "$tmp"

echo "== tools"
missing=()
command -v rsync >/dev/null 2>&1 || missing+=(rsync)
command -v restic >/dev/null 2>&1 || missing+=(restic)
if [[ ${#missing[@]} -gt 0 ]]; then
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
    echo "installing ${missing[*]} with apt-get"
    apt-get install -y -q "${missing[@]}" >/dev/null 2>&1 || { apt-get update -q >/dev/null && apt-get install -y -q "${missing[@]}" >/dev/null; }
  else
    echo "missing: ${missing[*]}. Install them first, e.g. sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
fi
rsync --version | sed -n 1p
restic version

echo "== build"
mvn -q -B -pl bench -am package -DskipTests

echo "== source tree: $sources $v1 and $v2 (sources jars from Maven Central)"
jars=$tmp/source-jars
mkdir -p "$jars"
artifact=${sources#*:}
for v in "$v1" "$v2"; do
  if [[ ! -f "$jars/$artifact-$v-sources.jar" ]]; then
    mvn -q -B org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy \
      -Dartifact="$sources:$v:jar:sources" -DoutputDirectory="$jars"
  fi
done
rm -rf "$work"
mkdir -p "$work/src/v1" "$work/src/v2"
jars_abs=$(cd "$jars" && pwd)
(cd "$work/src/v1" && jar xf "$jars_abs/$artifact-$v1-sources.jar")
(cd "$work/src/v2" && jar xf "$jars_abs/$artifact-$v2-sources.jar")

load_before=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || uptime)
started=$(date -u +%Y-%m-%dT%H:%M:%SZ)
echo "== run (load average $load_before; the log is $tmp/e2e.log)"
set +e
java -Xmx4g -cp bench/target/benchmarks.jar dev.chunkvault.bench.e2e.E2eBench \
  --out "$tmp/e2e-body.md" --work "$work" \
  --tree-v1 "$work/src/v1" --tree-v2 "$work/src/v2" --tree-label "\`$sources\` $v1 → $v2, unpacked sources jars" \
  "$@" > "$tmp/e2e.log" 2>&1
status=$?
set -e
grep -E '^(== |e2e bench|wrote )' "$tmp/e2e.log" || true
load_after=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || uptime)
threads=$(nproc 2>/dev/null || getconf _NPROCESSORS_ONLN)

{
  echo "# End-to-end benchmarks, $day"
  echo
  echo "- commit: $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- bench client functions infra ':!bench/results' || echo ' (with uncommitted changes)')"
  echo "- started $started; command: \`bench/run-e2e-bench.sh${*:+ $*}\`"
  echo "- CPU: $(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || echo unknown), $threads hardware threads;" \
       "memory $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo 2>/dev/null || echo unknown)"
  echo "- $(java -version 2>&1 | sed -n 1p)"
  echo "- load average (1, 5, 15 min) before the run: $load_before; after: $load_after." \
       "On $threads hardware threads anything near or above 1 means other work shared the machine: wall times and" \
       "throughputs are then low and noisy (byte counts are not affected)."
  cat "$tmp/e2e-body.md"
} > "$out"

rm -rf "$work"
echo "== wrote $out"
cat "$out"
exit $status
