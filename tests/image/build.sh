#!/usr/bin/env bash
# Build the local test image: Debian 12 with systemd, made by debootstrap and
# loaded with `docker import`. No image is ever pulled from a registry.
#
# The tag carries a hash of this recipe (this file), so a second run finds the
# image and returns in well under a second. Prints the image reference.
#
#   tests/image/build.sh            build when missing, print the reference
#   tests/image/build.sh --ref      print the reference only
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=${BBBMIG_IMAGE_REPO:-bbbmig/debian12-systemd}
suite=bookworm
mirror=${BBBMIG_DEBIAN_MIRROR:-http://deb.debian.org/debian}
packages=(
  systemd systemd-sysv dbus python3 python3-apt openssh-server rsync sudo
  ca-certificates iproute2 procps curl gnupg
)

recipe_hash=$( { cat "$0"; printf '%s\n' "$suite" "$mirror" "${packages[@]}"; } | sha256sum | cut -c1-12)
ref="$repo:$recipe_hash"

if [[ "${1:-}" == "--ref" ]]; then
  echo "$ref"
  exit 0
fi

if docker image inspect "$ref" >/dev/null 2>&1; then
  docker tag "$ref" "$repo:latest"
  echo "$ref"
  exit 0
fi

echo "building $ref (debootstrap $suite, a few minutes the first time)" >&2
work=$(mktemp -d /var/tmp/bbbmig-image.XXXXXX)
trap 'rm -rf "$work"' EXIT
rootfs="$work/rootfs"

# Through the host's package cache when it runs (scripts/setup.sh starts it first).
if (exec 3<>/dev/tcp/127.0.0.1/3142) 2>/dev/null; then export http_proxy=http://127.0.0.1:3142; fi
include=$(IFS=,; echo "${packages[*]}")
debootstrap --variant=minbase --include="$include" "$suite" "$rootfs" "$mirror" >"$work/debootstrap.log" 2>&1 || {
  tail -n 40 "$work/debootstrap.log" >&2
  exit 1
}

# Security and updates suites, as on a real Debian 12 host.
cat >"$rootfs/etc/apt/sources.list" <<EOF
deb $mirror $suite main
deb $mirror $suite-updates main
deb ${mirror%/debian}/debian-security $suite-security main
EOF

cat >"$rootfs/etc/dpkg/dpkg.cfg.d/90bbbmig-nodoc" <<'EOF'
path-exclude=/usr/share/doc/*
path-include=/usr/share/doc/*/copyright
path-exclude=/usr/share/man/*
path-exclude=/usr/share/locale/*
EOF

# A container boots systemd; units that need hardware or a console are masked.
for unit in getty.target console-getty.service systemd-udevd.service \
  systemd-udev-trigger.service systemd-firstboot.service \
  systemd-logind.service apt-daily.timer apt-daily-upgrade.timer \
  e2scrub_all.timer fstrim.timer; do
  ln -sf /dev/null "$rootfs/etc/systemd/system/$unit"
done
chroot "$rootfs" systemctl enable ssh.service >/dev/null 2>&1 || true
: >"$rootfs/etc/machine-id"
rm -f "$rootfs/etc/ssh/ssh_host_"*
# Host keys are made at first boot, so every container has its own.
mkdir -p "$rootfs/etc/systemd/system/ssh.service.d"
cat >"$rootfs/etc/systemd/system/ssh.service.d/hostkeys.conf" <<'EOF'
[Service]
ExecStartPre=
ExecStartPre=/usr/bin/ssh-keygen -A
ExecStartPre=/usr/sbin/sshd -t
EOF
rm -rf "$rootfs/var/lib/apt/lists/"* "$rootfs/var/cache/apt/"*.bin "$rootfs/var/cache/apt/archives/"*.deb
# No package lists in the image: make them look old, so that a role's
# `update_cache` with `cache_valid_time` does refresh them on first use.
touch -d '2000-01-01' "$rootfs/var/lib/apt/lists"

tar --numeric-owner -C "$rootfs" -c . | docker import \
  --change 'ENV container=docker' \
  --change 'CMD ["/lib/systemd/systemd"]' \
  --message "bbbmig test image, recipe $recipe_hash" \
  - "$ref" >/dev/null
docker tag "$ref" "$repo:latest"
echo "$ref"
