#!/usr/bin/env bash
# A real folder through two devices (issue 21): device A syncs a copy of TREE (with --links), device B syncs an empty
# folder, then rsync compares the two folders by name, type, links, permissions and content
# (rsync -rlpcn --itemize-changes, .chunkvault excluded, both ways). Prints what differs; nothing should, except what
# client/README.md documents as not synced (names whose folders differ only by case; special files). Names that differ
# only by case in one folder are both synced (one under a marked name on the server, its own name on B). Also a few empty folders
# are made in A's copy, and a chmod alone and a new empty folder are synced back and compared again.
#
# Usage: bench/run-round-trip.sh TREE     e.g. bench/run-round-trip.sh /usr/lib/jvm/java-17-openjdk-amd64
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ $# -lt 1 || "$1" == "-h" || "$1" == "--help" ]]; then
  sed -n '2,8p' "$0"
  exit 0
fi
tree=$(readlink -f "$1")
work=$(mktemp -d /tmp/chunkvault-round-trip.XXXXXX)
port=${API_PORT:-4880}
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
command -v rsync >/dev/null || { echo "missing: rsync (apt-get install -y rsync)" >&2; exit 1; }

mvn -B -q -pl client,infra/local -am package -DskipTests >&2
source bench/local-cloud.sh
start_local_cloud "$work/cloud" "$port"
token=$(local_token "$port" round-trip)
export CHUNKVAULT_ENDPOINT="http://127.0.0.1:$port" CHUNKVAULT_TOKEN="$token" CHUNKVAULT_CONFIG_DIR="$work/config"
cli=(client/chunkvault)
mkdir -p "$work/a" "$work/b"
cp -a "$tree/." "$work/a/"
mkdir -p "$work/a/empty" "$work/a/nested/empty/deeper" "$work/a/with space/é"

compare() {
  local diffs
  diffs=$( { rsync -rlpcn --itemize-changes --exclude=.chunkvault "$work/a/" "$work/b/";
             rsync -rlpcn --itemize-changes --exclude=.chunkvault "$work/b/" "$work/a/" | sed 's/^/(B->A) /'; } || true)
  if [[ -z "$diffs" ]]; then echo "   rsync: no differences"; else printf "%s\n" "$diffs" | sed -n 1,40p; echo "   rsync: $(echo "$diffs" | wc -l) lines"; fi
}

files=$(find "$work/a" -path "$work/a/.chunkvault" -prune -o -type f -print | wc -l)
links=$(find "$work/a" -type l | wc -l)
exes=$(find "$work/a" -type f -perm -u+x | wc -l)
empty=$(find "$work/a" -type d -empty | wc -l)
echo "== tree: $tree ($files files, $links symbolic links, $exes executable files, $empty empty folders)"
"${cli[@]}" sync --links "$work/a" > "$work/a.log" 2>&1 || { tail -20 "$work/a.log"; exit 1; }
"${cli[@]}" sync --links "$work/b" > "$work/b.log" 2>&1 || { tail -20 "$work/b.log"; exit 1; }
echo "   case conflicts kept apart: $(grep -c '^case conflict:' "$work/a.log" || true); name collisions left: $(grep -c '^name collision' "$work/a.log" || true)"
echo "== after A's first sync and B's"
compare
# back the other way: a chmod alone, a new empty folder and a retargeted link on B
f=$(find "$work/b" -path "$work/b/.chunkvault" -prune -o -type f -print -quit)
chmod u+x,g+x,o+x "$f"
mkdir -p "$work/b/made-on-b"
ln -sfn "no/such/target" "$work/b/a-new-link"
"${cli[@]}" sync --links "$work/b" > "$work/b2.log" 2>&1 || { tail -20 "$work/b2.log"; exit 1; }
"${cli[@]}" sync --links "$work/a" > "$work/a2.log" 2>&1 || { tail -20 "$work/a2.log"; exit 1; }
echo "== after a chmod, an empty folder and a link made on B, synced to A"
compare
