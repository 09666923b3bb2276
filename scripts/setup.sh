#!/usr/bin/env bash
# One-command setup on a fresh Debian 12 machine (run as root): Python tool
# chain in .venv, Docker engine, the local test image. Every step is skipped
# when already done, so a second run takes seconds.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '\033[1m== %s\033[0m\n' "$*" >&2; }
started=$(date +%s)

# 1. Debian packages: Docker engine and debootstrap (for the image).
need=()
command -v dockerd >/dev/null 2>&1 || need+=(docker.io)
command -v debootstrap >/dev/null 2>&1 || need+=(debootstrap)
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

# 4. The local test image (tag = hash of its recipe; reused when present).
image=$(tests/image/build.sh)
mkdir -p /var/cache/bbbmig/apt-archives
log "ready in $(( $(date +%s) - started )) s; test image $image"
