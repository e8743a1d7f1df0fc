#!/usr/bin/env bash
# Back up the portal into a new directory: the database (pg_dump, custom format),
# MEDIA_ROOT (a tar archive) and their SHA-256 sums. docs/deployment.md, "Backup and restore".
#
#   scripts/backup.sh /var/backups/portal/$(date +%Y-%m-%d_%H%M)
#
# Reads DATABASE_URL and MEDIA_ROOT from the environment, like the services do.
# The directory appears only once the backup is complete.
set -euo pipefail
. "$(dirname "$0")/pg-environment"

[ $# -eq 1 ] || fail "usage: $0 NEW_DIRECTORY"
target="$1"
[ ! -e "$target" ] || fail "$target already exists; give a new directory for each backup."
partial="$target.partial"
rm -rf "$partial"
mkdir -p "$partial"
chmod 700 "$partial"  # the dump holds password hashes and every figure

pg_dump --format=custom --compress=6 --file="$partial/database.dump"
if [ -d "$MEDIA_ROOT" ]; then
    tar --create --gzip --file="$partial/media.tar.gz" --directory="$MEDIA_ROOT" .
else
    echo "$(basename "$0"): MEDIA_ROOT $MEDIA_ROOT does not exist; the media archive is empty." >&2
    tar --create --gzip --file="$partial/media.tar.gz" --files-from=/dev/null
fi
(cd "$partial" && sha256sum database.dump media.tar.gz > SHA256SUMS)
mv "$partial" "$target"
echo "backup complete: $target ($(du -sh "$target" | cut -f1))"
