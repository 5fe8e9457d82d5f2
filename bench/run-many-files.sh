#!/usr/bin/env bash
# A big tree of small files through the local cloud, side by side with restic on the same S3 endpoint (issue 15):
#   1. first sync of TREE by the CLI (`chunkvault sync`)          vs  restic backup of TREE
#   2. a second device gets the tree (`chunkvault sync` of an empty folder)  vs  restic restore latest
#   3. a sync with nothing to do (twice)                          vs  restic backup with nothing new
#   4. with TREE2: the folder upgraded to TREE2 in place (files of the same bytes keep their time), synced  vs  restic
#      backup of it; a third device checks the service holds TREE2. Bytes on the wire of the same update (steps 1, 3
#      and 4 again in a second local cloud, the update sync through the bench's wire meter)  vs  rsync -a --delete
#      --no-whole-file --stats of a copy of TREE. TREE2 must be a later release of the same tree with most paths kept
#      (a renamed top folder looks like a mass delete). When it removes more than the mass-delete safeguard lets
#      through (50 files, or half), the update syncs run with --force, as a user who means the upgrade would (a plain
#      sync exits 7).
# Each step is a process of its own, timed from outside with /usr/bin/time (wall seconds and peak RSS of the client
# JVM, or of restic). The local cloud runs in its own JVM (infra/local-cloud start, data on disk), restic's repository
# is a bucket of the same s3proxy. Writes bench/results/many-files-<date>-<tree's name>.md.
#
# Usage: bench/run-many-files.sh TREE [TREE2]
#   e.g. bench/run-many-files.sh ~/.pyenv/versions/3.11.7/lib   (50,728 files, 963 MB: Python's standard library
#   with the packages installed on these machines)
#   update step: bench/run-many-files.sh /tmp/trees/pylib-3.12.1 /tmp/trees/pylib-3.13.0 (the pyenv libraries'
#   python3.X/ folders without __pycache__/, docs/perf-many-files.md "The update step")
# Ports: API_PORT (4850), S3_PORT, DYNAMO_PORT (the next two), METER_PORT (API_PORT + 5; API_PORT + 3 is the cloud's
# WebSocket), API2_PORT (API_PORT + 6 and the next three: step 4's second cloud). BUILD=0 skips the Maven build,
# KEEP_WORK=1 keeps the work folder (logs). Run it on a quiet machine: other load shows up in the wall times (the load
# average is recorded). JAVA_OPTS goes to the CLI's JVM (client/chunkvault).
# WIRE_ONLY=1 (with TREE2) runs only the update's bytes on the wire: one local cloud, the first sync of TREE and a sync
# with nothing to do, the upgrade, the update sync through the wire meter, and rsync's bytes for the same upgrade (no
# restic, no second or third device, no timed update); writes bench/results/many-files-wire-<date>-<tree's name>.md.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

if [[ $# -lt 1 || "${1:-}" == "-h" || "${1:-}" == "--help" ]]; then
  sed -n '2,28p' "$0"
  exit 0
fi
tree=$(readlink -f "$1")
tree2=${2:+$(readlink -f "$2")}
day=$(date +%Y-%m-%d)
out=bench/results/many-files-$day-$(basename "$tree").md
work=$(mktemp -d /tmp/chunkvault-many-files.XXXXXX)
api_port=${API_PORT:-4850}
s3_port=${S3_PORT:-$((api_port + 1))}
dynamo_port=${DYNAMO_PORT:-$((api_port + 2))}
meter_port=${METER_PORT:-$((api_port + 5))}
cloud_pid=
meter_pid=
cleanup() {
  local status=$?
  if [[ -n "$meter_pid" ]]; then
    kill "$meter_pid" 2>/dev/null || true
    wait "$meter_pid" 2>/dev/null || true
  fi
  if [[ -n "$cloud_pid" ]]; then
    kill "$cloud_pid" 2>/dev/null || true
    wait "$cloud_pid" 2>/dev/null || true
  fi
  [[ "${KEEP_WORK:-0}" == 1 ]] && echo "work folder kept: $work" >&2 || rm -rf "$work"
  exit "$status"
}
trap cleanup EXIT

for t in restic rsync /usr/bin/time; do
  if ! command -v "$t" >/dev/null 2>&1; then
    echo "missing: $t. Install it first, e.g. sudo apt-get install -y restic rsync time" >&2
    exit 1
  fi
done

if [[ "${BUILD:-1}" != 0 ]]; then # BUILD=0: use the jars as built
  echo "== building the CLI and the local cloud"
  mvn -B -q -pl client,infra/local${tree2:+,bench} -am package -DskipTests >&2
fi

echo "== starting the local cloud (data in $work/cloud)"
source bench/local-cloud.sh
start_local_cloud "$work/cloud" "$api_port" "$s3_port" "$dynamo_port"
user="bench-$(date +%s)"
export CHUNKVAULT_ENDPOINT="http://127.0.0.1:$api_port"
export CHUNKVAULT_TOKEN
CHUNKVAULT_TOKEN=$(local_token "$api_port" "$user")
[[ -n "$CHUNKVAULT_TOKEN" ]] || { echo "no token from the local cloud" >&2; exit 1; }
export CHUNKVAULT_CONFIG_DIR="$work/cli-config"
local_restic "$work/cloud" "$s3_port" restic-bench "$work"

cli=("$root/client/chunkvault") # what a user runs: its JVM defaults, its class data archive (made by the first sync)
declare -A wall rss cpu
# timed NAME CMD...: runs CMD, keeps its wall seconds and peak RSS (MB); a failing CMD stops the bench.
timed() {
  local name=$1
  shift
  /usr/bin/time -f '%e %M %U %S' -o "$work/time" "$@" > "$work/$name.log" 2>&1 || { tail -20 "$work/$name.log" >&2; exit 1; }
  read -r w m u sy < "$work/time"
  wall[$name]=$w
  rss[$name]=$((m / 1024))
  cpu[$name]=$(awk -v u="$u" -v s="$sy" 'BEGIN { printf "%.1f", u + s }')
  echo "   $name: ${w} s, ${rss[$name]} MB peak RSS"
}

# The upgrade as an upgrade in place leaves it: a file of DEST (a copy of TREE2) whose bytes equal TREE's takes TREE's
# time; changed and new files keep TREE2's. Prints: paths kept, of them same bytes, changed; removed; added; DEST's bytes
# and files.
upgrade_in_place() {
  python3 - "$1" "$2" <<'PY'
import filecmp, os, sys
a, b = sys.argv[1], sys.argv[2]
def walk(r):
    return {os.path.relpath(os.path.join(d, f), r) for d, _, fs in os.walk(r) for f in fs
            if os.path.isfile(os.path.join(d, f)) and not os.path.islink(os.path.join(d, f))}
fa, fb = walk(a), walk(b)
same = 0
for p in fa & fb:
    if filecmp.cmp(os.path.join(a, p), os.path.join(b, p), shallow=False):
        same += 1
        st = os.stat(os.path.join(a, p))
        os.utime(os.path.join(b, p), ns=(st.st_atime_ns, st.st_mtime_ns))
print(len(fa & fb), same, len(fa & fb) - same, len(fa - fb), len(fb - fa),
      sum(os.path.getsize(os.path.join(b, p)) for p in fb), len(fb))
PY
}

# Whether removing $1 of $2 tracked files trips the sync's mass-delete safeguard (more than 50, or more than half):
# the update syncs then run with --force, as a user who means the upgrade would.
mass_delete() {
  (( $1 > 50 || 2 * $1 > $2 ))
}

# tree_diff A B: diff -rq of two folders (.chunkvault/ excluded), without the symbolic links only one side has (a sync
# skips links unless --links, as the sync's summary says), nor folders only one side has that hold links and no file:
# the first five lines, empty when they hold the same files.
tree_diff() {
  diff -rq --exclude=.chunkvault "$1" "$2" | while IFS= read -r line; do
    if [[ $line =~ ^Only\ in\ (.*):\ (.*)$ ]]; then
      local p="${BASH_REMATCH[1]}/${BASH_REMATCH[2]}"
      if [[ -L "$p" ]] || [[ -d "$p" && -z "$(find "$p" -type f -print -quit)" && -n "$(find "$p" -type l -print -quit)" ]]; then
        continue
      fi
    fi
    printf '%s\n' "$line"
  done | head -5 || true
}

# The byte count alone (WIRE_ONLY=1): the steps of the metered run below, in the one local cloud.
if [[ "${WIRE_ONLY:-0}" == 1 ]]; then
  [[ -n "$tree2" ]] || { echo "WIRE_ONLY=1 needs TREE2" >&2; exit 1; }
  out=bench/results/many-files-wire-$day-$(basename "$tree").md
  files=$(find "$tree" -type f | wc -l)
  load_start=$(cut -d' ' -f1-3 /proc/loadavg)
  echo "== wire only: $tree ($files files) -> $tree2"
  mkdir -p "$work/m" "$work/v2" "$work/dest"
  cp -a "$tree/." "$work/m/"
  cp -a "$tree2/." "$work/v2/"
  # as below: files of the same bytes keep TREE's time
  read -r kept same changed removed added _ _ < <(upgrade_in_place "$tree" "$work/v2")
  echo "   $kept paths kept ($same same bytes, $changed changed), $removed removed, $added added"
  force=()
  if mass_delete "$removed" "$files"; then
    force=(--force)
  fi
  timed cv_m_first "${cli[@]}" sync "$work/m"
  timed cv_m_noop "${cli[@]}" sync "$work/m"
  rsync -a --delete --exclude .chunkvault "$work/v2/" "$work/m/"
  java -cp bench/target/benchmarks.jar dev.chunkvault.bench.e2e.WireMeterProxy --port "$meter_port" \
    --api "127.0.0.1:$api_port" --out "$work/wire.tsv" > "$work/meter.log" 2>&1 &
  meter_pid=$!
  for _ in $(seq 1 60); do grep -q 'wire meter on' "$work/meter.log" 2>/dev/null && break; sleep 0.5; done
  grep -q 'wire meter on' "$work/meter.log" || { cat "$work/meter.log" >&2; exit 1; }
  CHUNKVAULT_PROXY="127.0.0.1:$meter_port" timed cv_m_update "${cli[@]}" sync "${force[@]}" "$work/m"
  kill -TERM "$meter_pid"
  wait "$meter_pid" 2>/dev/null || true
  meter_pid=
  read -r cv_requests cv_sent cv_received < <(awk -F'\t' '$1 == "TOTAL" {print $2, $3 + $4, $5 + $6}' "$work/wire.tsv")
  cv_bytes=$((cv_sent + cv_received))
  cmp_update_m=$(tree_diff "$work/v2" "$work/m")
  rsync -a --delete "$tree/" "$work/dest/"
  rsync -a --delete --no-whole-file --stats "$work/v2/" "$work/dest/" > "$work/rsync.log"
  rsync_stat() { awk -F': ' -v k="$2" 'index($0, k) == 1 { split($2, w, " "); gsub(/,/, "", w[1]); print w[1] }' "$1"; }
  rsync_bytes=$(( $(rsync_stat "$work/rsync.log" "Total bytes sent") + $(rsync_stat "$work/rsync.log" "Total bytes received") ))
  ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf (b > 0 ? "%.2f" : "—"), a / b }'; }
  {
    echo "# The update's bytes on the wire: Chunkvault and rsync ($day, WIRE_ONLY=1)"
    echo
    echo "\`$tree\` ($files files) → \`$tree2\`: $kept paths kept, of them $same with the same bytes (they keep their"
    echo "time) and $changed changed; $removed removed, $added added. \`WIRE_ONLY=1 bench/run-many-files.sh\` at"
    echo "$(git rev-parse --short HEAD)$(git diff --quiet HEAD -- bench client functions infra || echo ' + changes'); load average at the start: $load_start."
    echo
    echo "| | Chunkvault | rsync --no-whole-file | ratio |"
    echo "|---|---:|---:|---:|"
    echo "| bytes on the wire (sent + received) | $cv_bytes | $rsync_bytes | $(ratio "$cv_bytes" "$rsync_bytes") (goal ≤ 0.5) |"
    echo "| requests | $cv_requests | | |"
    echo
    echo "Chunkvault: the update sync (\`sync${force[*]:+ ${force[*]}}\`, after a first sync of \`$tree\` and a sync with"
    echo "nothing to do) through the wire meter: $cv_sent bytes sent, $cv_received received (heads and bodies, as on a direct"
    echo "connection), ${wall[cv_m_update]} s. By kind:"
    echo
    echo "| requests of | count | bytes sent | bytes received |"
    echo "|---|---:|---:|---:|"
    awk -F'\t' '$1 != "TOTAL" { printf "| %s | %d | %d | %d |\n", $1, $2, $3 + $4, $5 + $6 }' "$work/wire.tsv"
    echo
    echo "rsync: \`rsync -a --delete --no-whole-file --stats\` of the upgraded tree into a copy of \`$tree\`: literal data"
    echo "$(rsync_stat "$work/rsync.log" "Literal data") bytes, matched data $(rsync_stat "$work/rsync.log" "Matched data")."
    if [[ -z "$cmp_update_m" ]]; then
      echo "The metered folder equals the upgraded tree after the update (diff -r, .chunkvault/ excluded)."
    else
      echo "**The metered folder differs from the upgraded tree**: \`$cmp_update_m\`"
    fi
  } > "$work/report.md"
  mkdir -p bench/results
  cp "$work/report.md" "$out"
  cat "$out"
  exit 0
fi

files=$(find "$tree" -type f | wc -l)
bytes=$(find "$tree" -type f -printf '%s\n' | awk '{s+=$1} END {print s}')
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
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
cmp_out=$(tree_diff "$work/a" "$work/b")

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf (b > 0 ? "%.2f" : "—"), a / b }'; }
{
  echo "# A big tree of small files: Chunkvault and restic on one local S3 endpoint ($day)"
  echo
  echo "Tree: \`$tree\` — $files files, $bytes bytes. $(nproc) cores; restic $(restic version | awk '{print $2}')"
  echo "(repository on the local cloud's s3proxy, default compression); the CLI and restic each in a process of their"
  echo "own, the local cloud (DynamoDB Local + s3proxy + the functions) in a third. \`bench/run-many-files.sh\` at"
  echo "$(git rev-parse --short HEAD)$(git diff --quiet HEAD -- bench client functions infra || echo ' + changes'). Load average (1, 5, 15 min) at the start: $load_start, at the end of step 3: $(cut -d' ' -f1-3 /proc/loadavg)."
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
  # The upgrade as an upgrade in place leaves it: a file whose bytes did not change keeps its time (it takes TREE's),
  # changed and new files keep TREE2's, removed files go. Without this, files of the same bytes installed at another
  # time would look changed by their time: all three tools would read them again, rsync would send their checksums.
  mkdir -p "$work/v2"
  cp -a "$tree2/." "$work/v2/"
  read -r kept same changed removed added bytes2 files2 < <(upgrade_in_place "$tree" "$work/v2")
  echo "   $files2 files, $bytes2 bytes: $kept paths kept ($same same bytes, $changed changed), $removed removed, $added added"
  # The sync's mass-delete safeguard holds back every deletion when more than --max-delete (50) tracked files, or more
  # than half of them, are gone, and exits 7 (client/README.md, "Mass-delete safeguard"); a user who means the upgrade
  # runs `chunkvault sync --force`, which this does when the upgrade removes that many (and says so).
  force=()
  if mass_delete "$removed" "$files"; then
    force=(--force)
    echo "   $removed files removed: more than the safeguard lets through (exit 7); the update sync runs with --force, as a user who means it would"
  fi
  rsync -a --delete --exclude .chunkvault "$work/v2/" "$work/a/"
  rsync -a --delete "$work/v2/" "$work/src/"
  cloud_thread_ticks > "$work/threads-before.tsv"
  cpu0=$(cloud_cpu)
  load_update_before=$(cut -d' ' -f1-3 /proc/loadavg)
  timed cv_update "${cli[@]}" sync "${force[@]}" "$work/a"
  cloud_cpu_update=$(awk -v a="$cpu0" -v b="$(cloud_cpu)" -v t="$(getconf CLK_TCK)" 'BEGIN { printf "%.1f", (b - a) / t }')
  echo "   the local cloud's CPU during the update sync: $cloud_cpu_update s"
  cloud_thread_ticks > "$work/threads-after.tsv"
  cloud_groups=$(cloud_thread_groups "$work/threads-before.tsv" "$work/threads-after.tsv")
  echo "   by thread group: $cloud_groups"
  timed restic_update restic backup --host bench "$work/src"
  load_update_after=$(cut -d' ' -f1-3 /proc/loadavg)
  restic_added=$(awk '/^Added to the repo/ {print $5, $6}' "$work/restic_update.log")

  # rsync's bytes for the same upgrade: a copy of TREE brought to the upgraded tree with the delta transfer on (a local
  # rsync copies whole files unless told --no-whole-file); sent + received are the protocol stream between its sender
  # and receiver. With -z for comparison (not the goal).
  mkdir -p "$work/dest" "$work/destz"
  rsync -a --delete "$tree/" "$work/dest/"
  rsync -a --delete "$tree/" "$work/destz/"
  rsync -a --delete --no-whole-file --stats "$work/v2/" "$work/dest/" > "$work/rsync.log"
  rsync -a --delete --no-whole-file -z --stats "$work/v2/" "$work/destz/" > "$work/rsync-z.log"
  rsync_stat() { awk -F': ' -v k="$2" 'index($0, k) == 1 { split($2, w, " "); gsub(/,/, "", w[1]); print w[1] }' "$1"; }
  rsync_bytes=$(( $(rsync_stat "$work/rsync.log" "Total bytes sent") + $(rsync_stat "$work/rsync.log" "Total bytes received") ))
  rsyncz_bytes=$(( $(rsync_stat "$work/rsync-z.log" "Total bytes sent") + $(rsync_stat "$work/rsync-z.log" "Total bytes received") ))
  rsync_literal=$(rsync_stat "$work/rsync.log" "Literal data")
  rsync_matched=$(rsync_stat "$work/rsync.log" "Matched data")
  diff -rq "$work/v2" "$work/dest" >/dev/null || { echo "rsync's copy differs from the upgraded tree" >&2; exit 1; }

  # and a third device of the first account gets the upgraded tree: the service holds v2 exactly
  mkdir -p "$work/c"
  timed cv_third "${cli[@]}" sync "$work/c"
  cmp_update=$(tree_diff "$work/v2" "$work/c")

  # Chunkvault's bytes for the same upgrade: the same steps again (first sync of TREE, a sync with nothing to do, the
  # upgrade, the update sync) in a second local cloud of its own, the update sync's requests going through the bench's
  # wire meter (WireMeterProxy: a forward proxy in a process of its own, CHUNKVAULT_PROXY, counting every request and
  # response as it would travel on a direct connection: API calls and presigned S3 transfers, heads and bodies). The
  # timed sync above goes direct; byte counts do not depend on timing. A fresh cloud, not a second account of the
  # first: there every chunk would already be stored by another owner, and a packed chunk whose bytes another owner
  # stored is sent a second time by itself (the seal answers it in `uploads`: docs/storage-model.md, "Packs").
  echo "== the same upgrade in a second local cloud, through the wire meter"
  kill "$cloud_pid"
  wait "$cloud_pid" 2>/dev/null || true
  cloud_pid=
  api2_port=${API2_PORT:-$((api_port + 6))}
  start_local_cloud "$work/cloud2" "$api2_port" "$((api2_port + 1))" "$((api2_port + 2))"
  token_m=$(local_token "$api2_port" "$user")
  export CHUNKVAULT_ENDPOINT="http://127.0.0.1:$api2_port"
  mkdir -p "$work/m"
  cp -a "$tree/." "$work/m/"
  CHUNKVAULT_TOKEN=$token_m timed cv_m_first "${cli[@]}" sync "$work/m"
  CHUNKVAULT_TOKEN=$token_m timed cv_m_noop "${cli[@]}" sync "$work/m"
  rsync -a --delete --exclude .chunkvault "$work/v2/" "$work/m/"
  # what a user sees without --force (changes nothing)
  guard=$(CHUNKVAULT_TOKEN=$token_m "${cli[@]}" sync --dry-run "$work/m" 2>&1) && guard_rc=0 || guard_rc=$?
  echo "   without --force (dry run): exit $guard_rc"
  guard_line=$(grep -m1 -i 'safeguard' <<< "$guard" || true)
  java -cp bench/target/benchmarks.jar dev.chunkvault.bench.e2e.WireMeterProxy --port "$meter_port" \
    --api "127.0.0.1:$api2_port" --out "$work/wire.tsv" > "$work/meter.log" 2>&1 &
  meter_pid=$!
  for _ in $(seq 1 60); do grep -q 'wire meter on' "$work/meter.log" 2>/dev/null && break; sleep 0.5; done
  grep -q 'wire meter on' "$work/meter.log" || { cat "$work/meter.log" >&2; exit 1; }
  CHUNKVAULT_TOKEN=$token_m CHUNKVAULT_PROXY="127.0.0.1:$meter_port" timed cv_m_update "${cli[@]}" sync "${force[@]}" "$work/m"
  kill -TERM "$meter_pid"
  wait "$meter_pid" 2>/dev/null || true
  meter_pid=
  read -r cv_requests cv_sent cv_received < <(awk -F'\t' '$1 == "TOTAL" {print $2, $3 + $4, $5 + $6}' "$work/wire.tsv")
  cv_bytes=$((cv_sent + cv_received))
  cmp_update_m=$(tree_diff "$work/v2" "$work/m")

  summary() { grep -m1 '^Sync done' "$work/$1.log" || grep -m1 'in sync' "$work/$1.log" || echo "(no summary)"; }
  {
    echo "| upgrade to \`$tree2\` (\`sync${force[*]:+ ${force[*]}}\`) | ${wall[cv_update]} | ${wall[restic_update]} | $(ratio "${wall[cv_update]}" "${wall[restic_update]}") | ${rss[cv_update]} | ${rss[restic_update]} |"
    echo
    echo "## The update step"
    echo
    echo "\`$tree\` ($files files) → \`$tree2\` ($files2 files, $bytes2 bytes): $kept paths kept, of them $same with the"
    echo "same bytes (they keep their time) and $changed changed; $removed removed, $added added."
    if [[ ${#force[@]} -gt 0 ]]; then
      echo "The upgrade removes $removed files, more than the sync's mass-delete safeguard lets through (\`--max-delete\`, 50):"
      echo "a plain \`sync\` would upload the rest and hold every deletion back (exit 7; the dry run here: exit $guard_rc,"
      echo "\`${guard_line:-no safeguard line}\`); a user who means the upgrade runs \`sync --force\`, and so does this."
    fi
    echo
    echo "Load average (1, 5, 15 min) before the update sync: $load_update_before; after restic's backup: $load_update_after."
    echo
    echo "| | Chunkvault | restic | rsync --no-whole-file | ratio to restic | ratio to rsync |"
    echo "|---|---:|---:|---:|---:|---:|"
    echo "| wall time s | ${wall[cv_update]} | ${wall[restic_update]} | — | $(ratio "${wall[cv_update]}" "${wall[restic_update]}") (goal ≤ 2) | |"
    echo "| peak RSS MB | ${rss[cv_update]} | ${rss[restic_update]} | — | $(ratio "${rss[cv_update]}" "${rss[restic_update]}") | |"
    echo "| bytes on the wire (sent + received) | $cv_bytes | — | $rsync_bytes | | $(ratio "$cv_bytes" "$rsync_bytes") (goal ≤ 0.5) |"
    echo
    echo "- Chunkvault: the update sync's process (wall, peak RSS; user + system CPU ${cpu[cv_update]} s), the local cloud's"
    echo "  CPU meanwhile $cloud_cpu_update s; restic's user + system CPU ${cpu[restic_update]} s. The sync's summary:"
    echo "  \`$(summary cv_update)\`"
    echo "- The local cloud's CPU seconds during the update sync by thread group (its JVM's threads, digits dropped; at"
    echo "  least 0.5 s; threads that ended meanwhile not counted): $cloud_groups."
    echo "- Chunkvault's bytes: the same update in a second local cloud, through the wire meter: $cv_requests requests,"
    echo "  $cv_sent bytes sent, $cv_received received (heads and bodies, as on a direct connection); that sync took"
    echo "  ${wall[cv_m_update]} s through the meter. Its summary: \`$(summary cv_m_update)\`. By kind:"
    echo
    echo "  | requests of | count | bytes sent | bytes received |"
    echo "  |---|---:|---:|---:|"
    awk -F'\t' '$1 != "TOTAL" { printf "  | %s | %d | %d | %d |\n", $1, $2, $3 + $4, $5 + $6 }' "$work/wire.tsv"
    echo
    echo "- restic: \`restic backup\` of the upgraded folder (the first backup its parent): added to the repository $restic_added."
    echo "- rsync: \`rsync -a --delete --no-whole-file --stats\` of the upgraded tree into a copy of \`$tree\`: literal data"
    echo "  $rsync_literal bytes, matched data $rsync_matched; with \`-z\` (not the goal) $rsyncz_bytes bytes on the wire"
    echo "  ($(ratio "$cv_bytes" "$rsyncz_bytes") ×)."
    if [[ -z "$cmp_update" && -z "$cmp_update_m" ]]; then
      echo "- After the update, a third device of the first account got a folder equal to the upgraded tree, and the"
      echo "  metered run's folder equals it too (diff -r, .chunkvault/ excluded): the service holds v2, removals included."
    else
      echo "- **After the update, the service's tree differs from the upgraded one**: third device \`$cmp_update\`; metered run \`$cmp_update_m\`"
    fi
    echo "- The metered run's first sync of \`$tree\` (direct): ${wall[cv_m_first]} s (the first one's: ${wall[cv_first]} s)."
  } >> "$work/report.md"
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
