#!/usr/bin/env bash
# Compression library comparison (issue 18, item 4; docs/compression.md): zstd-jni against aircompressor on chunk
# sets cut by the client's chunking policy. Builds the JMH jar, runs CompressionSurvey (ratios, detection, cross-check;
# counted) and CompressionBenchmark (one-thread MB/s; timed), and writes bench/results/compression-<date>.md with the
# raw JMH CSV beside it.
#
# Also writes bench/results/compression-<date>-cpu.md: the same operations timed by thread CPU time (the figures
# docs/compression.md uses; wall clock in brackets).
# Usage: bench/run-compression-bench.sh [JMH options...]
#   no options: -f 1 -wi 2 -w 1s -i 3 -r 1s (about 10 minutes on 2 cores)
#   data: -Dbench.compression.text=DIR etc. through JAVA_OPTS (see ChunkSets), default /tmp/trees/sub3k, /tmp/trees/py311
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ "${1:-}" == "-h" || "${1:-}" == "--help" ]]; then
  sed -n '2,12p' "$0"
  exit 0
fi
if [[ $# -eq 0 ]]; then
  set -- -f 1 -wi 2 -w 1s -i 3 -r 1s
fi
jmh_options="$*"
java_opts=${JAVA_OPTS:-}

tmp=bench/results/tmp
mkdir -p "$tmp"
day=$(date +%Y-%m-%d)
out=bench/results/compression-$day.md
csv=bench/results/compression-$day-jmh.csv
load_before=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || uptime)

echo "== build"
mvn -q -B -pl bench -am package -DskipTests

echo "== survey (ratios, detection, cross-check)"
# shellcheck disable=SC2086
java -Xmx3g $java_opts -cp bench/target/benchmarks.jar dev.chunkvault.bench.compression.CompressionSurvey \
  | tee "$tmp/compression-survey.md"

echo "== CPU-time figures (CompressionCpuTiming: less disturbed by other load than JMH's wall clock)"
# shellcheck disable=SC2086
java -Xmx3g $java_opts -cp bench/target/benchmarks.jar dev.chunkvault.bench.compression.CompressionCpuTiming \
  | tee "$tmp/compression-cpu.md"
cp "$tmp/compression-cpu.md" "bench/results/compression-$day-cpu.md"

echo "== JMH $jmh_options"
# shellcheck disable=SC2086
java -jar bench/target/benchmarks.jar 'dev\.chunkvault\.bench\.compression\.CompressionBenchmark\.(compress|policy|decompress|verify)$' \
  $jmh_options -jvmArgsAppend "-Xmx3g $java_opts" -rf csv -rff "$tmp/compression-a.csv" | tee "$tmp/compression-jmh.log"
# SHA-256 alone does not depend on the codec: once per set.
# shellcheck disable=SC2086
java -jar bench/target/benchmarks.jar 'dev\.chunkvault\.bench\.compression\.CompressionBenchmark\.sha256$' -p codec=zstd-jni-1 \
  $jmh_options -jvmArgsAppend "-Xmx3g $java_opts" -rf csv -rff "$tmp/compression-b.csv" | tee -a "$tmp/compression-jmh.log"
{ cat "$tmp/compression-a.csv"; tail -n +2 "$tmp/compression-b.csv"; } > "$csv"
load_after=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || uptime)

{
  echo "# Compression libraries, $day (issue 18, item 4)"
  echo
  echo "- commit: $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- bench || echo ' (with uncommitted changes)')"
  echo "- CPU: $(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || echo unknown), $(nproc) hardware threads"
  echo "- $(java -version 2>&1 | head -1); zstd-jni and aircompressor versions: bench/pom.xml"
  echo "- JMH options: \`$jmh_options\`; load average before: $load_before, after: $load_after"
  echo
  echo "## Throughput, one thread (MB/s = 10^6 plain bytes per second)"
  echo
  python3 - "$csv" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
res = {}
for r in rows:
    if not r["Benchmark"].endswith(":plainBytes"):
        continue
    op = r["Benchmark"].split(".")[-1].split(":")[0]
    res[(r["Param: set"], r["Param: codec"], op)] = (float(r["Score"]), r["Score Error (99.9%)"])
ops = ["compress", "policy", "decompress", "verify"]
sets = [s for s in ["text", "mixed", "incompressible", "random"] if any(k[0] == s for k in res)]
codecs = ["zstd-jni-1", "zstd-jni-3", "zstd-jni-6", "air-zstd", "air-lz4"]
def fmt(k):
    if k not in res:
        return ""
    s, e = res[k]
    try:
        return "%.0f ± %.0f" % (s / 1e6, float(e) / 1e6)
    except ValueError:
        return "%.0f" % (s / 1e6)
print("| set | codec | " + " | ".join(ops) + " |")
print("| --- | --- |" + " ---: |" * len(ops))
for s in sets:
    for c in codecs:
        if any((s, c, o) in res for o in ops):
            print("| %s | %s | %s |" % (s, c, " | ".join(fmt((s, c, o)) for o in ops)))
    print("| %s | SHA-256 alone (raw chunk verification) | | | | %s |" % (s, fmt((s, "zstd-jni-1", "sha256"))))
PY
  echo
  echo "policy: probe the first 8 KiB of a chunk of at least 32 KiB, compress whole only if the probe saved ≥ 10 %."
  echo "verify: decompress + SHA-256 of the plain bytes. Error: JMH's 99.9 % interval."
  echo
  echo "## CPU time, one thread: MB per CPU second (wall MB/s)"
  echo
  cat "$tmp/compression-cpu.md"
  echo
  echo "## Ratios, detection, cross-check (counted)"
  cat "$tmp/compression-survey.md"
  echo
  echo "Raw JMH results: \`$csv\`."
} > "$out"

echo "== wrote $out"
cat "$out"
