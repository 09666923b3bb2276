#!/usr/bin/env bash
# One-command setup on a fresh Debian 12 machine (run as root): Python tool
# chain in .venv, Docker engine, the local test image. Every step is skipped
# when already done, so a second run takes seconds.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '\033[1m== %s\033[0m\n' "$*" >&2; }
started=$(date +%s)

# 1. Debian packages: Docker engine, debootstrap (for the image) and
#    apt-cacher-ng (every Debian package the containers install is fetched
#    once per machine and then served from the host).
need=()
command -v dockerd >/dev/null 2>&1 || need+=(docker.io)
command -v debootstrap >/dev/null 2>&1 || need+=(debootstrap)
[[ -x /usr/sbin/apt-cacher-ng ]] || need+=(apt-cacher-ng)
if ((${#need[@]})); then
  log "installing Debian packages: ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >/dev/null
  apt-get install -y -q --no-install-recommends "${need[@]}" >/dev/null
fi

# 2. Python tool chain, pinned; reinstalled only when the pins change.
stamp=.venv/.requirements.sha256
want=$(sha256sum requirements-dev.txt | cut -d' ' -f1)
if [[ ! -x .venv/bin/python || "$(cat "$stamp" 2>/dev/null)" != "$want" ]]; then
  log "creating .venv with the pinned tool chain (requirements-dev.txt)"
  mkdir -p .cache
  python3 -m venv .venv
  if ! { .venv/bin/pip install --disable-pip-version-check --upgrade pip &&
         .venv/bin/pip install --disable-pip-version-check -r requirements-dev.txt; } >.cache/pip.log 2>&1; then
    tail -n 30 .cache/pip.log >&2
    echo "pip install failed (full log: .cache/pip.log)" >&2
    exit 1
  fi
  echo "$want" >"$stamp"
fi

# 3. A Docker engine: leave a running one alone, otherwise start dockerd.
if ! docker info >/dev/null 2>&1; then
  log "starting dockerd (log: /var/log/bbbmig-dockerd.log)"
  nohup dockerd >/var/log/bbbmig-dockerd.log 2>&1 &
  for _ in $(seq 1 60); do
    docker info >/dev/null 2>&1 && break
    sleep 1
  done
  docker info >/dev/null 2>&1 || { tail -n 20 /var/log/bbbmig-dockerd.log >&2; echo "dockerd did not start" >&2; exit 1; }
fi

# 4. The package cache the test containers use for Debian's archive: the
#    harness mounts the apt setting written here into every container
#    (.config/molecule/create.yml); the roles never know about it.
mirror=${BBBMIG_DEBIAN_MIRROR:-http://deb.debian.org/debian}
backends="# written by bbbmig scripts/setup.sh: the mirror this machine reaches
${mirror%/}/"
if [[ "$(cat /etc/apt-cacher-ng/backends_debian 2>/dev/null)" != "$backends" ]]; then
  printf '%s\n' "$backends" >/etc/apt-cacher-ng/backends_debian
  /etc/init.d/apt-cacher-ng stop >/dev/null 2>&1 || true
fi
if ! (exec 3<>/dev/tcp/127.0.0.1/3142) 2>/dev/null; then
  log "starting apt-cacher-ng (the containers' package cache, port 3142)"
  /etc/init.d/apt-cacher-ng start >/dev/null
fi
mkdir -p /var/cache/bbbmig
mirror_host=${mirror#*://}; mirror_host=${mirror_host%%/*}
printf 'Acquire::http::Proxy::%s "http://host.docker.internal:3142";\n' "$mirror_host" \
  >/var/cache/bbbmig/apt-proxy.conf

# 5. The local test image (tag = hash of its recipe; reused when present).
image=$(tests/image/build.sh)
log "ready in $(( $(date +%s) - started )) s; test image $image"
