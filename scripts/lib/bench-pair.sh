# Sourced by the recordings benchmarks: two systemd containers of the test
# image on their own network, a source ($src) and a target ($dst) with BBB's
# user under different ids (as on real nodes), and a plain root key from the
# target to the source for the operator's own tools (not the role's restricted
# one). Expects $image, $net, $src and $dst; defines x, drop_caches and now.
x() { docker exec "$@"; }
drop_caches() { sync; echo 3 >/proc/sys/vm/drop_caches 2>/dev/null || true; }
now() { date +%s.%N; }

bench_pair_up() {
  echo "setting up containers ($image)"
  docker network inspect "$net" >/dev/null 2>&1 || docker network create --label owner=bench "$net" >/dev/null
  local c state
  for c in "$src" "$dst"; do
    docker inspect "$c" >/dev/null 2>&1 || docker run -d --name "$c" --hostname "${c//_/}" --network "$net" \
      --cap-add SYS_ADMIN --cgroupns host -v /sys/fs/cgroup:/sys/fs/cgroup --tmpfs /run --tmpfs /run/lock \
      --add-host host.docker.internal:host-gateway \
      -v /var/cache/bbbmig/apt-proxy.conf:/etc/apt/apt.conf.d/01bbbmig-package-cache:ro -e container=docker \
      --stop-signal SIGRTMIN+3 "$image" /lib/systemd/systemd >/dev/null
  done
  for c in "$src" "$dst"; do
    for _ in $(seq 60); do
      state=$(x "$c" systemctl is-system-running 2>/dev/null || true)
      [[ $state == running || $state == degraded ]] && break
      sleep 1
    done
  done
  x "$src" bash -c 'getent passwd bigbluebutton >/dev/null || { groupadd -g 2101 bigbluebutton; useradd -r -u 2101 -g 2101 -s /bin/false bigbluebutton; }'
  x "$dst" bash -c 'getent passwd bigbluebutton >/dev/null || { groupadd -g 2303 bigbluebutton; useradd -r -u 2303 -g 2303 -s /bin/false bigbluebutton; }'
  docker cp tests/generators/bbb_recordings.py "$src":/usr/local/bin/bbb_recordings.py
}

bench_pair_plain_key() {
  x "$dst" bash -c 'test -f /root/.ssh/bench || ssh-keygen -q -t ed25519 -N "" -f /root/.ssh/bench'
  x "$src" bash -c "mkdir -p /root/.ssh && grep -q bench-plain /root/.ssh/authorized_keys 2>/dev/null || echo '$(x "$dst" cat /root/.ssh/bench.pub) bench-plain' >>/root/.ssh/authorized_keys"
  x "$dst" bash -c "ssh-keyscan -t ed25519 $src >/root/.ssh/known_hosts 2>/dev/null"
}
