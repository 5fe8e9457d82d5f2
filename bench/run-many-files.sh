#!/usr/bin/env bash
# A big tree of small files through the local cloud, side by side with restic on the same S3 endpoint (issue 15):
#   1. first sync of TREE by the CLI (`chunkvault sync`)          vs  restic backup of TREE
#   2. a second device gets the tree (`chunkvault sync` of an empty folder)  vs  restic restore latest
#   3. a sync with nothing to do (twice)                          vs  restic backup with nothing new
#   4. with TREE2: the folder upgraded to TREE2 in place, synced  vs  restic backup of it; and rsync's bytes for the
#      same upgrade (rsync -a --delete --no-whole-file --stats). TREE2 must be a later release of the same tree, most
#      paths kept: an upgrade that removes most files (a renamed top folder) is held back by the sync's mass-delete
#      guard (exit 7), as it would be for a user, and stops the bench.
# Each step is a process of its own, timed from outside with /usr/bin/time (wall seconds and peak RSS of the client
# JVM, or of restic). The local cloud runs in its own JVM (infra/local-cloud start, data on disk), restic's repository
# is a bucket of the same s3proxy. Writes bench/results/many-files-<date>-<tree's name>.md.
#
# Usage: bench/run-many-files.sh TREE [TREE2]
#   e.g. bench/run-many-files.sh ~/.pyenv/versions/3.11.7/lib   (50,728 files, 963 MB: Python's standard library
#   with the packages installed on these machines)
# Run it on a quiet machine: other load shows up in the wall times. JAVA_OPTS goes to the CLI's JVM (client/chunkvault).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

if [[ $# -lt 1 || "${1:-}" == "-h" || "${1:-}" == "--help" ]]; then
  sed -n '2,17p' "$0"
  exit 0
fi
tree=$(readlink -f "$1")
tree2=${2:+$(readlink -f "$2")}
day=$(date +%Y-%m-%d)
out=bench/results/many-files-$day-$(basename "$tree").md
work=$(mktemp -d /tmp/chunkvault-many-files.XXXXXX)
api_port=${API_PORT:-4850}
s3_port=${S3_PORT:-4851}
dynamo_port=${DYNAMO_PORT:-4852}
cloud_pid=
cleanup() {
  local status=$?
  if [[ -n "$cloud_pid" ]]; then
    kill "$cloud_pid" 2>/dev/null || true
    wait "$cloud_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
  exit "$status"
}
trap cleanup EXIT

for t in restic rsync /usr/bin/time; do
  if ! command -v "$t" >/dev/null 2>&1; then
    echo "missing: $t. Install it first, e.g. sudo apt-get install -y restic rsync time" >&2
    exit 1
  fi
done

echo "== building the CLI and the local cloud"
mvn -B -q -pl client,infra/local -am package -DskipTests >&2

echo "== starting the local cloud (data in $work/cloud)"
source bench/local-cloud.sh
start_local_cloud "$work/cloud" "$api_port" "$s3_port" "$dynamo_port"
user="bench-$(date +%s)"
export CHUNKVAULT_ENDPOINT="http://127.0.0.1:$api_port"
export CHUNKVAULT_TOKEN
CHUNKVAULT_TOKEN=$(local_token "$api_port" "$user")
[[ -n "$CHUNKVAULT_TOKEN" ]] || { echo "no token from the local cloud" >&2; exit 1; }
export CHUNKVAULT_CONFIG_DIR="$work/cli-config"
export RESTIC_REPOSITORY="s3:http://127.0.0.1:$s3_port/restic-bench"
export RESTIC_PASSWORD=chunkvault-bench
export RESTIC_CACHE_DIR="$work/restic-cache"
# the emulators' own credentials, made for this data folder (keyid:secret)
creds=$(cat "$work/cloud/keys/emulator-credentials")
export AWS_ACCESS_KEY_ID=${creds%%:*}
export AWS_SECRET_ACCESS_KEY=${creds#*:}
restic init >/dev/null

cli=("$root/client/chunkvault") # what a user runs: its JVM defaults, its class data archive (made by the first sync)
declare -A wall rss
# timed NAME CMD...: runs CMD, keeps its wall seconds and peak RSS (MB); a failing CMD stops the bench.
timed() {
  local name=$1
  shift
  /usr/bin/time -f '%e %M' -o "$work/time" "$@" > "$work/$name.log" 2>&1 || { tail -20 "$work/$name.log" >&2; exit 1; }
  read -r w m < "$work/time"
  wall[$name]=$w
  rss[$name]=$((m / 1024))
  echo "   $name: ${w} s, ${rss[$name]} MB peak RSS"
}

files=$(find "$tree" -type f | wc -l)
bytes=$(find "$tree" -type f -printf '%s\n' | awk '{s+=$1} END {print s}')
echo "== tree: $tree ($files files, $bytes bytes)"
mkdir -p "$work/a" "$work/b" "$work/r" "$work/src"
cp -a "$tree/." "$work/a/"
cp -a "$tree/." "$work/src/"

echo "== first sync / backup"
timed cv_first "${cli[@]}" sync "$work/a"
timed restic_first restic backup --host bench "$work/src"
echo "== second device / restore"
timed cv_second "${cli[@]}" sync "$work/b"
timed restic_restore restic restore latest --target "$work/r"
echo "== nothing to do"
timed cv_noop "${cli[@]}" sync "$work/a"
timed cv_noop2 "${cli[@]}" sync "$work/a"
timed restic_noop restic backup --host bench "$work/src"
cmp_out=$(diff -rq --exclude=.chunkvault "$work/a" "$work/b" | head -5 || true)

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf (b > 0 ? "%.2f" : "—"), a / b }'; }
{
  echo "# A big tree of small files: Chunkvault and restic on one local S3 endpoint ($day)"
  echo
  echo "Tree: \`$tree\` — $files files, $bytes bytes. $(nproc) cores; restic $(restic version | awk '{print $2}')"
  echo "(repository on the local cloud's s3proxy, default compression); the CLI and restic each in a process of their"
  echo "own, the local cloud (DynamoDB Local + s3proxy + the functions) in a third. \`bench/run-many-files.sh\`."
  echo
  echo "| step | Chunkvault s | restic s | ratio | Chunkvault peak RSS MB | restic peak RSS MB |"
  echo "|---|---:|---:|---:|---:|---:|"
  echo "| first sync / backup | ${wall[cv_first]} | ${wall[restic_first]} | $(ratio "${wall[cv_first]}" "${wall[restic_first]}") | ${rss[cv_first]} | ${rss[restic_first]} |"
  echo "| second device / restore | ${wall[cv_second]} | ${wall[restic_restore]} | $(ratio "${wall[cv_second]}" "${wall[restic_restore]}") | ${rss[cv_second]} | ${rss[restic_restore]} |"
  echo "| nothing to do (first after the syncs: reads its own changes back) | ${wall[cv_noop]} | ${wall[restic_noop]} | $(ratio "${wall[cv_noop]}" "${wall[restic_noop]}") | ${rss[cv_noop]} | ${rss[restic_noop]} |"
  echo "| nothing to do, again | ${wall[cv_noop2]} | ${wall[restic_noop]} | $(ratio "${wall[cv_noop2]}" "${wall[restic_noop]}") | ${rss[cv_noop2]} | ${rss[restic_noop]} |"
} > "$work/report.md"

if [[ -n "$tree2" ]]; then
  echo "== upgrade to $tree2"
  rsync -a --delete --exclude .chunkvault "$tree2/" "$work/a/"
  rsync -a --delete "$tree2/" "$work/src/"
  timed cv_update "${cli[@]}" sync "$work/a"
  timed restic_update restic backup --host bench "$work/src"
  mkdir -p "$work/dest"
  rsync -a --delete "$tree/" "$work/dest/"
  rsync -a --delete --no-whole-file --stats "$tree2/" "$work/dest/" > "$work/rsync.log"
  rsync_bytes=$(awk -F': ' '/Total bytes sent|Total bytes received/ {gsub(/,/, "", $2); s += $2} END {print s}' "$work/rsync.log")
  echo "| upgrade to \`$tree2\` | ${wall[cv_update]} | ${wall[restic_update]} | $(ratio "${wall[cv_update]}" "${wall[restic_update]}") | ${rss[cv_update]} | ${rss[restic_update]} |" >> "$work/report.md"
  echo >> "$work/report.md"
  echo "rsync's bytes on the wire for the same upgrade: $rsync_bytes." >> "$work/report.md"
fi
{
  echo
  if [[ -z "$cmp_out" ]]; then
    echo "The second device's folder equals the first's (diff -r, .chunkvault/ excluded)."
  else
    echo "The second device's folder differs from the first's: \`$cmp_out\`"
  fi
} >> "$work/report.md"
mkdir -p bench/results
cp "$work/report.md" "$out"
cat "$out"
