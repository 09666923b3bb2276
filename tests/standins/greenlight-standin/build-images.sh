#!/usr/bin/env bash
# Build the stand-in images of Greenlight v3's compose stack (tests only), on
# this machine's Docker, from Debian 12 packages: no image is pulled.
#
#   postgres   postgresql-15 behind the official image's entrypoint interface
#              (POSTGRES_USER, POSTGRES_PASSWORD, POSTGRES_DB, /var/lib/postgresql/data)
#   redis      redis-server, data in /data
#   greenlight greenlight_standin.py (python3, psycopg2, redis), bin/start in
#              /usr/src/app as upstream's image, port 3000
#
# One debootstrap (minbase) is shared; each image is that tree plus its
# packages, loaded with `docker import` as a single layer (the lab's nested
# Docker stores images with the vfs driver, where every layer is a full copy).
# The tag is a hash of the recipe (this directory and the v3 SQL it copies),
# so a second run finds the images and returns at once.
#
#   build-images.sh          build what is missing, print the three references
#   build-images.sh --ref    print the references only
# Output: one line each, "postgres <ref>", "redis <ref>", "greenlight <ref>".
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
repo=${BBBMIG_STANDIN_REPO:-bbbmig/greenlight-standin}
suite=bookworm
mirror=${BBBMIG_DEBIAN_MIRROR:-http://deb.debian.org/debian}
sql=("$root/tests/greenlight/schema-v3.sql" "$root/tests/greenlight/seed-v3.sql")

declare -A packages=(
  [postgres]="postgresql-15"
  [redis]="redis-server"
  [greenlight]="python3 python3-psycopg2 python3-redis"
)
names=(postgres redis greenlight)

recipe_hash=$( { printf '%s\n' "$suite" "$mirror"; for n in "${names[@]}"; do echo "$n ${packages[$n]}"; done
                 find "$here" -type f ! -name '*.pyc' -print0 | sort -z | xargs -0 cat; cat "${sql[@]}"; } \
               | sha256sum | cut -c1-12)
ref() { echo "$repo-$1:$recipe_hash"; }

print_refs() { for n in "${names[@]}"; do echo "$n $(ref "$n")"; done; }

if [[ "${1:-}" == "--ref" ]]; then
  print_refs
  exit 0
fi

# Scenarios running side by side may ask at once: one builds, the others wait.
mkdir -p /var/cache/bbbmig
exec 9>/var/cache/bbbmig/greenlight-standin-build.lock
flock 9

missing=()
for n in "${names[@]}"; do
  docker image inspect "$(ref "$n")" >/dev/null 2>&1 || missing+=("$n")
done
if ((${#missing[@]} == 0)); then
  print_refs
  exit 0
fi

echo "building ${missing[*]} stand-in images ($recipe_hash)" >&2
work=$(mktemp -d /var/tmp/bbbmig-greenlight-standin.XXXXXX)
trap 'rm -rf "$work"' EXIT
base="$work/base"
# Through the host's package cache when it runs (scripts/setup.sh): these
# packages are the ones the scenarios install too, fetched once per machine.
if (exec 3<>/dev/tcp/127.0.0.1/3142) 2>/dev/null; then export http_proxy=http://127.0.0.1:3142; fi
debootstrap --variant=minbase "$suite" "$base" "$mirror" >"$work/debootstrap.log" 2>&1 || {
  tail -n 40 "$work/debootstrap.log" >&2
  exit 1
}
cat >"$base/etc/apt/sources.list" <<EOF
deb $mirror $suite main
deb $mirror $suite-updates main
deb ${mirror%/debian}/debian-security $suite-security main
EOF
cat >"$base/etc/dpkg/dpkg.cfg.d/90bbbmig-nodoc" <<'EOF'
path-exclude=/usr/share/doc/*
path-include=/usr/share/doc/*/copyright
path-exclude=/usr/share/man/*
path-exclude=/usr/share/locale/*
EOF
# No service starts inside the build tree.
printf '#!/bin/sh\nexit 101\n' >"$base/usr/sbin/policy-rc.d"
chmod 755 "$base/usr/sbin/policy-rc.d"
# postgresql-common: no default cluster; the entrypoint makes one in $PGDATA.
mkdir -p "$base/etc/postgresql-common/createcluster.d"
echo "create_main_cluster = false" >"$base/etc/postgresql-common/createcluster.d/bbbmig-standin.conf"

for n in "${missing[@]}"; do
  rootfs="$work/$n"
  cp -a "$base" "$rootfs"
  chroot "$rootfs" /bin/sh -c "apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -qq --no-install-recommends ${packages[$n]}" >"$work/$n-apt.log" 2>&1 || {
    tail -n 40 "$work/$n-apt.log" >&2
    exit 1
  }
  changes=(--change 'ENV LANG=C.UTF-8')
  case $n in
    postgres)
      install -m 0755 "$here/postgres/entrypoint.sh" "$rootfs/usr/local/bin/docker-entrypoint.sh"
      mkdir -p "$rootfs/var/lib/postgresql/data"
      changes+=(--change 'ENV PATH=/usr/lib/postgresql/15/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
                --change 'ENV PGDATA=/var/lib/postgresql/data'
                --change 'VOLUME /var/lib/postgresql/data'
                --change 'ENTRYPOINT ["docker-entrypoint.sh"]'
                --change 'CMD ["postgres"]'
                --change 'EXPOSE 5432')
      ;;
    redis)
      install -m 0755 "$here/redis/entrypoint.sh" "$rootfs/usr/local/bin/docker-entrypoint.sh"
      mkdir -p "$rootfs/data"
      changes+=(--change 'VOLUME /data'
                --change 'WORKDIR /data'
                --change 'ENTRYPOINT ["docker-entrypoint.sh"]'
                --change 'CMD ["redis-server", "--protected-mode", "no"]'
                --change 'EXPOSE 6379')
      ;;
    greenlight)
      install -D -m 0755 "$here/greenlight/greenlight_standin.py" \
        "$rootfs/usr/local/lib/greenlight-standin/greenlight_standin.py"
      install -D -m 0755 "$here/greenlight/start.sh" "$rootfs/usr/src/app/bin/start"
      install -D -m 0644 -t "$rootfs/usr/share/greenlight-standin" "${sql[@]}"
      mkdir -p "$rootfs/usr/src/app/storage"
      changes+=(--change 'WORKDIR /usr/src/app'
                --change 'ENV RAILS_ENV=production'
                --change 'ENV PORT=3000'
                --change 'CMD ["bin/start"]'
                --change 'EXPOSE 3000')
      ;;
  esac
  rm -rf "$rootfs/var/lib/apt/lists/"* "$rootfs/var/cache/apt/"*.bin "$rootfs/var/cache/apt/archives/"*.deb
  rm -f "$rootfs/usr/sbin/policy-rc.d"
  tar --numeric-owner -C "$rootfs" -c . | docker import "${changes[@]}" \
    --message "bbbmig greenlight stand-in $n, recipe $recipe_hash" - "$(ref "$n")" >/dev/null
  rm -rf "$rootfs"
done
print_refs
