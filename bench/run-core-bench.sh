#!/usr/bin/env bash
# Core throughput benchmarks: chunking, chunk + SHA-256, Java vs openssl SHA-256, delta steps.
# Builds the JMH jar, runs `openssl speed` and the JMH benchmarks of dev.chunkvault.bench.chunking and
# dev.chunkvault.bench.delta, and writes bench/results/core-<date>.md.
#
# Usage: bench/run-core-bench.sh [JMH options...]
#   no options: a proper run, -f 1 -wi 3 -i 5 -w 2s -r 2s (about 3 minutes of JMH)
#   smoke run:  bench/run-core-bench.sh -f 1 -wi 1 -i 1 -w 1s -r 1s
# Run it on a quiet machine: other load shows up directly in the numbers.
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ "${1:-}" == "-h" || "${1:-}" == "--help" ]]; then
  sed -n '2,9p' "$0"
  exit 0
fi
if [[ $# -eq 0 ]]; then
  set -- -f 1 -wi 3 -i 5 -w 2s -r 2s
fi
jmh_options="$*"

tmp=bench/results/tmp
mkdir -p "$tmp"
day=$(date +%Y-%m-%d)
out=bench/results/core-$day.md
load_before=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || uptime)

echo "== build"
mvn -q -B -pl bench -am package -DskipTests

echo "== openssl speed -evp sha256 -bytes 16384"
openssl speed -evp sha256 -bytes 16384 2>/dev/null | tee "$tmp/openssl.txt"
# The result line is "sha256   <n>k": thousands of bytes per second, for 16384-byte blocks.
openssl_kbps=$(awk 'tolower($1) == "sha256" && $2 ~ /k$/ { sub(/k$/, "", $2); print $2 }' "$tmp/openssl.txt" | tail -1)
if [[ -z "$openssl_kbps" ]]; then
  echo "could not parse the openssl speed output (see $tmp/openssl.txt)" >&2
  exit 1
fi

echo "== JMH $jmh_options"
# shellcheck disable=SC2086 # the JMH options are meant to be split
java -jar bench/target/benchmarks.jar 'dev\.chunkvault\.bench\.(chunking|delta)\..*' $jmh_options \
  -rf csv -rff "$tmp/core.csv" | tee "$tmp/jmh.log"

# Score and error (99.9%) of a benchmark method from JMH's CSV; ops/s with 1 op = 1 MiB, i.e. MiB/s.
column() {
  awk -F, -v method="$1" -v col="$2" \
    '{ gsub(/"/, "") } $1 ~ ("\\." method "$") { print $col }' "$tmp/core.csv"
}
row() { # label, method
  local score error
  score=$(column "$2" 5)
  error=$(column "$2" 6)
  if [[ -z "$score" ]]; then
    echo "| $1 | (not run) | | |"
    return
  fi
  awk -v l="$1" -v s="$score" -v e="$error" 'BEGIN {
    err = (e == "NaN" || e == "") ? "n/a" : sprintf("± %.0f", e)
    printf "| %s | %.0f | %s | %.2f |\n", l, s, err, s * 1048576 / 1e9 }'
}

threads=$(nproc 2>/dev/null || getconf _NPROCESSORS_ONLN)
java_sha=$(column sha256 5)
openssl_mibps=$(awk -v k="$openssl_kbps" 'BEGIN { printf "%.0f", k * 1000 / 1048576 }')
ratio=$(awk -v j="${java_sha:-0}" -v o="$openssl_mibps" 'BEGIN { printf "%.2f", j / o }')

{
  echo "# Core benchmarks, $day"
  echo
  echo "- commit: $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- functions/core bench || echo ' (with uncommitted changes)')"
  echo "- CPU: $(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || echo unknown), $threads hardware threads"
  echo "- $(java -version 2>&1 | head -1); $(openssl version)"
  echo "- JMH options: \`$jmh_options\`"
  echo "- load average before the run: $load_before (anything near or above 0.5 skews the numbers)"
  echo
  echo "64 MiB of random data in memory, default profile (FastCDC, min 64 KiB, avg 256 KiB, max 1 MiB)."
  echo "MiB/s = 2^20 bytes per second; GB/s = 10^9 bytes per second. Single thread unless stated."
  echo
  echo "| benchmark | MiB/s | error (99.9%) | GB/s |"
  echo "| --- | ---: | ---: | ---: |"
  row "chunking (boundaries only)" boundaries
  row "chunk + SHA-256 chunk ids" chunkAndHash
  row "chunk + SHA-256 chunk ids, all $threads threads (sum)" chunkAndHashAllThreads
  row "Chunker: chunk ids + whole-content SHA-256" chunker
  row "Java SHA-256" sha256
  awk -v m="$openssl_mibps" 'BEGIN { printf "| openssl SHA-256 (16 KiB blocks) | %.0f | | %.2f |\n", m, m * 1048576 / 1e9 }'
  echo "| ratio Java / openssl SHA-256 | $ratio | | |"
  row "delta signature" signature
  row "delta encode" encode
  row "delta apply" apply
  echo
  echo "openssl reports 1000s of bytes per second (${openssl_kbps}k); converted to MiB/s above."
  echo "Raw output: \`$tmp/\` (not committed)."
} > "$out"

echo "== wrote $out"
cat "$out"
