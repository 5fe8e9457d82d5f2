#!/usr/bin/env bash
# How many sync runs a watching device makes for its own edits (docs/notifications.md): one watching CLI on a local
# cloud of its own, three local edits 8 s apart; prints the sync summaries before and after the edits. A device's own
# pushes are announced to it too; a watch that answers such a notification with a sync shows an extra "Everything is
# in sync." after each edit. Counts, not times: it may run on a busy machine.
# Usage: bench/watch-own-pushes.sh (ROOT: another checkout, built, to compare; ports 4950-4952)
set -u
cd "${ROOT:-$(dirname "$0")/..}"
w=$(mktemp -d /tmp/watch-check.XXXXXX)
source bench/local-cloud.sh
start_local_cloud "$w/cloud" 4950 4951 4952
export CHUNKVAULT_ENDPOINT=http://127.0.0.1:4950 CHUNKVAULT_CONFIG_DIR=$w/config
CHUNKVAULT_TOKEN=$(local_token 4950 watcher)
export CHUNKVAULT_TOKEN
mkdir -p "$w/a"
echo hello > "$w/a/first.txt"
client/chunkvault sync --watch "$w/a" > "$w/watch.log" 2>&1 &
wpid=$!
sleep 12
before=$(grep -c "Sync done\|Everything is in sync" "$w/watch.log")
for i in 1 2 3; do
  echo "edit $i" > "$w/a/edited-$i.txt"
  sleep 8
done
after=$(grep -c "Sync done\|Everything is in sync" "$w/watch.log")
echo "sync runs before the edits: $before; after three edits 8 s apart: $after"
grep -v '^uploaded' "$w/watch.log"
kill "$wpid"
wait "$wpid" 2>/dev/null
kill "$cloud_pid"
wait "$cloud_pid" 2>/dev/null
rm -rf "$w"
