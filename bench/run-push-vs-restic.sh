#!/usr/bin/env bash
# A large new file, side by side: `chunkvault push` of it against `restic backup` of it, both to the same local cloud's
# s3proxy (restic's repository is a bucket of it, default compression), each in a process of its own, timed from outside
# (/usr/bin/time: wall seconds, peak RSS, user + system CPU seconds). Each pair gets a fresh random file, so neither
# tool finds anything it already holds; the order within a pair alternates. Issue 15's target: the push ≤ 0.6 ×
# restic's time; issue 18's: no slower than before compression.
#
# Usage: bench/run-push-vs-restic.sh [MIB (1024)] [PAIRS (3)]
# Env: API_PORT (5250; the next two for s3proxy and DynamoDB Local), BUILD=0 skips the Maven build. Writes
# bench/results/push-vs-restic-<date>.md. Run it on a quiet machine: other load shows up in the wall times.
# VS_CLI=OTHER/client/chunkvault compares with another build's CLI instead of restic (e.g. a worktree of an older
# commit, built with mvn -pl client -am package -DskipTests): each side then pushes a fresh file of its own, to the same
# cloud and account (writes push-vs-cli-<date>.md). VS_CLI=self compares this build with a copy of itself: the A/A
# control, whose ratios show what the harness reads as a difference when there is none (run it beside an A/B run).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
mib=${1:-1024}
pairs=${2:-3}
api_port=${API_PORT:-5250}
day=$(date +%Y-%m-%d)
out=bench/results/push-vs-restic-$day.md
vs=${VS_CLI:-}
[[ -z "$vs" ]] || out=bench/results/push-vs-cli-$day.md
[[ "$vs" != self ]] || out=bench/results/push-vs-self-$day.md
for t in restic /usr/bin/time; do
  command -v "$t" >/dev/null || { echo "missing: $t (apt-get install -y restic time)" >&2; exit 1; }
done
if [[ "${BUILD:-1}" == 1 ]]; then
  mvn -q -B -o -pl client,infra/local -am package -DskipTests
fi
work=$(mktemp -d /tmp/chunkvault-push-restic.XXXXXX)
source bench/local-cloud.sh
trap 'kill "${cloud_pid:-}" 2>/dev/null || true; rm -rf "$work"' EXIT
if [[ "$vs" == self ]]; then
  # The A/A control: this build against a copy of itself (another jar file, so another class data archive), to show
  # what the harness reads as a difference when there is none.
  mkdir -p "$work/self/client/target"
  cp client/chunkvault "$work/self/client/"
  cp client/target/chunkvault.jar "$work/self/client/target/"
  vs="$work/self/client/chunkvault"
fi
mkdir -p "$work/cloud"
start_local_cloud "$work/cloud" "$api_port"
export CHUNKVAULT_ENDPOINT="http://127.0.0.1:$api_port"
CHUNKVAULT_TOKEN=$(local_token "$api_port" "push-$(date +%s)")
export CHUNKVAULT_TOKEN
export CHUNKVAULT_CONFIG_DIR="$work/cli-config"
local_restic "$work/cloud" $((api_port + 1)) restic-push "$work"

# One untimed round of each warms the cloud's functions and the disks' caches (and makes the CLI's class data archive).
head -c $((64 << 20)) /dev/urandom > "$work/warm.bin"
client/chunkvault push "$work/warm.bin" --to warm/warm.bin > /dev/null
restic backup --host bench "$work/warm.bin" > /dev/null
if [[ -n "$vs" ]]; then
  head -c $((64 << 20)) /dev/urandom > "$work/warm-other.bin"
  "$vs" push "$work/warm-other.bin" --to warm/other.bin > /dev/null
fi

timed() { # NAME CMD...: wall seconds, peak RSS MB and CPU seconds (user + system) of CMD
  local name=$1
  shift
  /usr/bin/time -f '%e %M %U %S' -o "$work/time" "$@" > "$work/$name.log" 2>&1 || { tail -20 "$work/$name.log" >&2; exit 1; }
  read -r w m u s < "$work/time"
  echo "$w $((m / 1024)) $(awk -v u="$u" -v s="$s" 'BEGIN { printf "%.2f", u + s }')"
}
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
rows=()
for i in $(seq 1 "$pairs"); do
  # Both files are made in the pair's order, so neither side always gets the older (or the newer) page cache.
  (( i % 2 == 1 )) || [[ -z "$vs" ]] || head -c $((mib << 20)) /dev/urandom > "$work/other-$i.bin"
  head -c $((mib << 20)) /dev/urandom > "$work/big-$i.bin"
  if [[ -n "$vs" ]]; then
    (( i % 2 == 0 )) || head -c $((mib << 20)) /dev/urandom > "$work/other-$i.bin"
    other=("$vs" push "$work/other-$i.bin" --to "other/big-$i.bin")
  else
    other=(restic backup --host bench "$work/big-$i.bin")
  fi
  sync
  if (( i % 2 == 1 )); then
    read -r cw cm cc < <(timed push-$i client/chunkvault push "$work/big-$i.bin" --to "push/big-$i.bin")
    read -r rw rm rc < <(timed other-$i "${other[@]}")
  else
    read -r rw rm rc < <(timed other-$i "${other[@]}")
    read -r cw cm cc < <(timed push-$i client/chunkvault push "$work/big-$i.bin" --to "push/big-$i.bin")
  fi
  [[ -n "${cw:-}" && -n "${rw:-}" ]] || { echo "pair $i failed: see above" >&2; exit 1; }
  ratio=$(awk -v a="$cw" -v b="$rw" 'BEGIN { printf "%.2f", a / b }')
  cratio=$(awk -v a="$cc" -v b="$rc" 'BEGIN { printf "%.2f", a / b }')
  echo "pair $i: push ${cw} s (${cc} CPU s, ${cm} MB), ${vs:-restic} ${rw} s (${rc} CPU s, ${rm} MB): ${ratio} × (CPU ${cratio} ×)"
  rows+=("| $i | $cw | $rw | $ratio | $cc | $rc | $cratio | $cm | $rm |")
  rm -f "$work/big-$i.bin" "$work/other-$i.bin"
done
load_end=$(cut -d' ' -f1-3 /proc/loadavg)
if [[ -n "$vs" ]]; then
  if [[ "$VS_CLI" == self ]]; then
    them="a copy of its own CLI (the A/A control)"
  else
    them="the CLI of $(git -C "$(dirname "$vs")/.." rev-parse --short HEAD) ($vs)"
  fi
  short=other
  title="the push of another build"
  cmd="VS_CLI=$VS_CLI bench/run-push-vs-restic.sh $mib $pairs"
else
  them="$(restic version | awk '{print $1, $2}')"
  short=restic
  title='`restic backup`'
  cmd="bench/run-push-vs-restic.sh $mib $pairs"
fi
{
  echo "# A new ${mib} MiB random file: \`chunkvault push\` against $title ($day)"
  echo
  echo "Commit $(git rev-parse --short HEAD) against $them; $(nproc) cores; both to one local"
  echo "cloud's s3proxy (data on disk), each a process of its own; load average before $load_start, after $load_end."
  echo "Command: \`$cmd\`."
  echo
  echo "| pair | push s | $short s | push / $short | push CPU s | $short CPU s | CPU push / $short | push peak RSS MB | $short peak RSS MB |"
  echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
  printf '%s\n' "${rows[@]}"
} > "$out"
cat "$out"
