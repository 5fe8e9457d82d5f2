#!/usr/bin/env bash
# Two real releases of one large source tree for bench/run-many-files.sh (issue 15): the Linux kernel's sources as
# Debian ships them (`linux-source-6.1`: 78,611 files, 1.32 GB each), two point releases of the same series, so that
# almost every path is kept and about 1,300 files change between them (an update a user would sync).
#
# Usage: bench/make-linux-trees.sh [V1 V2] [DIR]
#   default V1=6.1.170-3 V2=6.1.176-1 (the two versions bookworm's archive held on 2026-12-07: `apt-cache policy
#   linux-source-6.1` lists what it holds now), DIR=/tmp/trees. Makes DIR/linux-V1 and DIR/linux-V2 (the tarball's
#   top folder stripped, so a path stays where the release keeps it). Needs apt-get (no root: `apt-get download`
#   writes into the current folder), dpkg-deb, tar and xz; about 280 MB of downloads and 2.7 GB on disk.
# Then: API_PORT=5250 bench/run-many-files.sh DIR/linux-V1 DIR/linux-V2
set -euo pipefail
v1=${1:-6.1.170-3}
v2=${2:-6.1.176-1}
dir=${3:-/tmp/trees}
work=$(mktemp -d /tmp/linux-trees.XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir -p "$dir"
cd "$work"
apt-get download "linux-source-6.1=$v1" "linux-source-6.1=$v2"
for v in "$v1" "$v2"; do
  out="$dir/linux-$v"
  if [[ -d "$out" ]]; then
    echo "$out is there already: kept" >&2
    continue
  fi
  dpkg-deb --fsys-tarfile "linux-source-6.1_${v}_all.deb" | tar -x ./usr/src/linux-source-6.1.tar.xz
  mkdir -p "$out.tmp"
  tar -xJf usr/src/linux-source-6.1.tar.xz -C "$out.tmp" --strip-components=1
  rm -f usr/src/linux-source-6.1.tar.xz
  mv "$out.tmp" "$out"
  echo "$out: $(find "$out" -type f | wc -l) files, $(du -sb "$out" | cut -f1) bytes"
done
