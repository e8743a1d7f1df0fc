#!/usr/bin/env bash
# Restore a backup made by scripts/backup.sh into an EMPTY database and an empty
# MEDIA_ROOT, bring the schema up to the installed code, then prove the figures
# are whole: `recompute_aggregates --check` must find the stored aggregates equal
# to a recompute from scratch. docs/deployment.md, "Backup and restore".
#
#   createdb -O portal portal            # as the postgres user, if it does not exist
#   scripts/restore.sh /var/backups/portal/2026-12-01_0200
#
# Reads DATABASE_URL and MEDIA_ROOT (and the rest of the portal's settings, for
# manage.py) from the environment. Stop gunicorn, the worker and beat first.
set -euo pipefail
. "$(dirname "$0")/pg-environment"

[ $# -eq 1 ] || fail "usage: $0 BACKUP_DIRECTORY"
backup="$1"
[ -f "$backup/SHA256SUMS" ] || fail "$backup is not a backup made by scripts/backup.sh (no SHA256SUMS)."
(cd "$backup" && sha256sum --check --quiet SHA256SUMS) || fail "$backup is damaged: its checksums do not match."

tables="$(psql --no-psqlrc --tuples-only --no-align --command \
    "SELECT count(*) FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')")" \
    || fail "cannot connect to the database $PGDATABASE."
[ "$tables" = 0 ] || fail "the database $PGDATABASE is not empty ($tables tables); restore only into a new, empty database."
if [ -d "$MEDIA_ROOT" ] && [ -n "$(ls -A "$MEDIA_ROOT")" ]; then
    fail "MEDIA_ROOT $MEDIA_ROOT is not empty; restore into an empty directory."
fi

# One transaction: a restore that fails half-way leaves the database empty again.
pg_restore --exit-on-error --single-transaction --no-owner --no-acl --dbname="$PGDATABASE" "$backup/database.dump"
mkdir -p "$MEDIA_ROOT"
tar --extract --gzip --no-same-owner --file="$backup/media.tar.gz" --directory="$MEDIA_ROOT"

cd "$ROOT"
"$PORTAL_PYTHON" manage.py migrate --noinput
"$PORTAL_PYTHON" manage.py recompute_aggregates --check
echo "restore complete: $PGDATABASE from $backup"
