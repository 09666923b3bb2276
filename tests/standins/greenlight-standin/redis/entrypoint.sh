#!/bin/sh
# redis-standin entrypoint: like the official redis image, the server runs as
# the redis user with its data in /data, listening on every address, no
# protected mode (it is reached only on the compose network).
set -eu
if [ "${1:-}" = redis-server ] && [ "$(id -u)" = 0 ]; then
  mkdir -p /data
  chown redis:redis /data
  exec setpriv --reuid=redis --regid=redis --init-groups "$0" "$@"
fi
exec "$@"
