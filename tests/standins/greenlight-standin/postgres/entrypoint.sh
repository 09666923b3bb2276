#!/bin/bash
# postgres-standin entrypoint: the interface of the official postgres image's
# docker-entrypoint.sh, on Debian's postgresql-15. On the first start (empty
# $PGDATA) the cluster is made with POSTGRES_USER as superuser and
# POSTGRES_PASSWORD as its password, POSTGRES_DB is created (default: the
# user's name), other hosts authenticate with scram-sha-256 and the local
# socket is trusted (so `docker exec <container> psql -U <user>` works as with
# the official image). An empty password is refused unless
# POSTGRES_HOST_AUTH_METHOD=trust. Later starts only run the server.
set -euo pipefail

export PGDATA=${PGDATA:-/var/lib/postgresql/data}

if [[ "${1:-}" == postgres && "$(id -u)" == 0 ]]; then
  mkdir -p "$PGDATA" /var/run/postgresql
  chown postgres:postgres "$PGDATA" /var/run/postgresql
  chmod 0700 "$PGDATA"
  chmod 2777 /var/run/postgresql
  exec setpriv --reuid=postgres --regid=postgres --init-groups "$0" "$@"
fi

if [[ "${1:-}" == postgres && ! -s "$PGDATA/PG_VERSION" ]]; then
  user=${POSTGRES_USER:-postgres}
  password=${POSTGRES_PASSWORD:-}
  method=${POSTGRES_HOST_AUTH_METHOD:-scram-sha-256}
  if [[ -z "$password" && "$method" != trust ]]; then
    echo "Error: Database is uninitialized and superuser password is not specified." >&2
    echo "       Set POSTGRES_PASSWORD (or POSTGRES_HOST_AUTH_METHOD=trust)." >&2
    exit 1
  fi
  pwfile=$(mktemp)
  printf '%s\n' "$password" >"$pwfile"
  initdb --username="$user" --pwfile="$pwfile" --encoding=UTF8 --locale=C.UTF-8 \
    --auth-local=trust --auth-host="$method" >/dev/null
  rm -f "$pwfile"
  printf "\nhost all all all %s\n" "$method" >>"$PGDATA/pg_hba.conf"
  printf "\nlisten_addresses = '*'\n" >>"$PGDATA/postgresql.conf"
  pg_ctl -D "$PGDATA" -o "-c listen_addresses=''" -w start >/dev/null
  db=${POSTGRES_DB:-$user}
  if [[ "$db" != postgres ]]; then
    psql -X -q -v ON_ERROR_STOP=1 -U "$user" -d postgres -v db="$db" <<<'CREATE DATABASE :"db";'
  fi
  pg_ctl -D "$PGDATA" -m fast -w stop >/dev/null
  echo "PostgreSQL init process complete; ready for start up."
fi

exec "$@"
