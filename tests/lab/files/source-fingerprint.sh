#!/bin/sh
# What the migration must never write on the old platform before decommission,
# as one text to compare (tests/lab/prepare.yml takes it before the migration,
# molecule/migration's verifier after):
#   recordings   the old BBB node's recording tree: every entry's type, mode,
#                owner, mtime and path, then every file's sha256
#   greenlight   the old Greenlight's data: pg_dump in its database container,
#                data only, one row an INSERT, lines sorted (rows updated in
#                place keep their text), without comments and the random
#                \restrict key of each dump
set -eu
case "${1:-}" in
  recordings)
    cd /var/bigbluebutton
    find . -printf '%y %m %u:%g %T@ %p\n' | LC_ALL=C sort
    find . -type f -print0 | LC_ALL=C sort -z | xargs -0r sha256sum
    ;;
  greenlight)
    docker exec "${2:-greenlight_db_1}" pg_dump -U postgres --data-only --inserts --rows-per-insert=1 --no-comments \
      "${3:-greenlight_production}" | grep -v -e '^--' -e '^\\restrict ' -e '^\\unrestrict ' | LC_ALL=C sort
    ;;
  *)
    echo "usage: $0 recordings | greenlight [container [database]]" >&2
    exit 2
    ;;
esac
