#!/usr/bin/env bash
# Fetches Debian trixie's docker.io (dockerd 26.1) and unpacks it under DEST without installing it, so the
# interop tests can run a Docker Engine >= 25 beside the system's docker.io 20.10 (bookworm).
# The system's apt sources, lists, caches and dpkg database are never touched: apt gets a private state
# under DEST/apt. dockerd 26 then runs with the system's containerd and runc (bookworm's work).
# Usage: scripts/ci/docker26.sh DEST   -> prints the dir holding dockerd 26 (DEST/root/usr/sbin)
# Idempotent: when DEST already holds a dockerd >= 25 it only prints that dir. Needs root (as in CI).
set -euo pipefail
dest=${1:?usage: scripts/ci/docker26.sh DEST}
mkdir -p "$dest"
dest=$(cd "$dest" && pwd)
sbin=$dest/root/usr/sbin

# "Docker version 26.1.5+dfsg1, build …" -> 26
major_of() { "$1" --version 2>/dev/null | sed -n 's/^Docker version \([0-9]*\)\..*/\1/p'; }
if [ -x "$sbin/dockerd" ] && [ "$(major_of "$sbin/dockerd")" -ge 25 ] 2>/dev/null; then
  echo "$sbin"
  exit 0
fi

keyring=/usr/share/keyrings/debian-archive-keyring.gpg
[ -f "$keyring" ] || { echo "docker26.sh: $keyring is missing (apt-get install debian-archive-keyring)" >&2; exit 1; }
apt_dir=$dest/apt
mkdir -p "$apt_dir/lists/partial" "$apt_dir/archives/partial" "$apt_dir/cache"
echo "deb [signed-by=$keyring] http://deb.debian.org/debian trixie main" >"$apt_dir/sources.list"
apt_opts=(
  -o "Dir::Etc::SourceList=$apt_dir/sources.list" -o Dir::Etc::SourceParts=/dev/null
  -o Dir::Etc::Preferences=/dev/null -o Dir::Etc::PreferencesParts=/dev/null
  -o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache=$apt_dir/cache" -o "Dir::Cache::Archives=$apt_dir/archives"
  # The private dirs are root's; apt's _apt download sandbox could not write them.
  -o APT::Sandbox::User=root
)
timeout 600 apt-get "${apt_opts[@]}" -qq update >"$apt_dir/update.log" 2>&1 \
  || { echo "docker26.sh: apt-get update of trixie failed:" >&2; tail -n 5 "$apt_dir/update.log" >&2; exit 1; }
rm -f "$apt_dir"/archives/docker.io_*.deb
(cd "$apt_dir/archives" && timeout 600 apt-get "${apt_opts[@]}" -qq download docker.io) >"$apt_dir/download.log" 2>&1 \
  || { echo "docker26.sh: apt-get download docker.io failed:" >&2; tail -n 5 "$apt_dir/download.log" >&2; exit 1; }
deb=$(ls "$apt_dir"/archives/docker.io_*.deb)
# Unpack next to the final place and rename, so a half-extracted tree is never taken for a good one.
rm -rf "$dest/root.new" "$dest/root"
dpkg-deb -x "$deb" "$dest/root.new"
mv "$dest/root.new" "$dest/root"
major=$(major_of "$sbin/dockerd")
[ "${major:-0}" -ge 25 ] || { echo "docker26.sh: $deb holds dockerd version '${major:-?}', not >= 25" >&2; exit 1; }
echo "$sbin"
