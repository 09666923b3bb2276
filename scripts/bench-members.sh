#!/usr/bin/env bash
# Benchmark (not a test) of the greenlight_data role against pg_dump -Fc |
# pg_restore of the same source database, measured in the same run.
#
# For each size (users; about 1.7 rooms and 0.5 shared accesses per user) it
# brings up two containers with PostgreSQL 15 (v2 source with a generated
# dataset, v3 target), then three times each: the anchor (pg_dump -Fc |
# pg_restore of the source database into a scratch database on the source),
# the whole role on an empty target (ansible-playbook wall time, and the
# role's own data step: the export streamed from source to target into the import, as it reports it), the
# re-run (which must write no row), and a second anchor: pg_dump -Fc |
# pg_restore of the migrated v3 database itself, the fastest way PostgreSQL
# writes the role's output (v3 holds a row per room and meeting option, so the
# output is about twice the input). Prints medians and ratios.
#
#   scripts/bench-members.sh                  sizes 10000 and 100000
#   BENCH_MEMBERS_SIZES="2000" scripts/bench-members.sh
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.venv/bin:$PATH"
sizes=${BENCH_MEMBERS_SIZES:-10000 100000}
runs=${BENCH_MEMBERS_RUNS:-3}
image=${BBBMIG_TEST_IMAGE:-$(tests/image/build.sh)}
src=greenlight_data-bench-source tgt=greenlight_data-bench-target net=greenlight_data-bench
work=$(mktemp -d)
export ANSIBLE_CONFIG=$PWD/ansible.cfg ANSIBLE_ROLES_PATH=$PWD/roles ANSIBLE_FILTER_PLUGINS=$PWD/filter_plugins
export ANSIBLE_STDOUT_CALLBACK=default ANSIBLE_NOCOLOR=1 ANSIBLE_FORCE_COLOR=0

cleanup() {
  docker rm -f "$src" "$tgt" >/dev/null 2>&1 || true
  docker network rm "$net" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

psql_on() { local host=$1 db=$2; shift 2; docker exec -i "$host" runuser -u postgres -- psql -X -q -v ON_ERROR_STOP=1 -d "$db" "$@"; }
now() { date +%s.%N; }
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.1f", a / b}'; }

up() {
  cleanup; work=$(mktemp -d)
  docker network create "$net" >/dev/null
  for c in "$src" "$tgt"; do
    docker run -d --name "$c" --hostname "$c" --network "$net" --cap-add SYS_ADMIN --cgroupns host \
      -v /sys/fs/cgroup:/sys/fs/cgroup:rw --add-host host.docker.internal:host-gateway -v /var/cache/bbbmig/apt-proxy.conf:/etc/apt/apt.conf.d/01bbbmig-package-cache:ro \
      --tmpfs /run --tmpfs /run/lock -e container=docker --stop-signal SIGRTMIN+3 \
      --label owner=bench "$image" /lib/systemd/systemd >/dev/null
  done
  for c in "$src" "$tgt"; do  # wait for each to boot
    for _ in $(seq 60); do
      docker exec "$c" systemctl is-system-running --wait 2>/dev/null | grep -Eq 'running|degraded' && break
      sleep 1
    done
    docker exec "$c" bash -c 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null' \
      >"$work/apt-$c.log" 2>&1 || { cat "$work/apt-$c.log" >&2; exit 1; }
  done
}

reset_target() {
  docker exec "$tgt" runuser -u postgres -- dropdb --if-exists greenlight_v3 2>/dev/null
  docker exec "$tgt" runuser -u postgres -- createdb greenlight_v3
  cat tests/greenlight/schema-v3.sql tests/greenlight/seed-v3.sql | psql_on "$tgt" greenlight_v3 -f - >/dev/null
}

dump_restore() {  # seconds of pg_dump -Fc <db> | pg_restore into a scratch database on <host>
  local host=$1 db=$2 t0 t1
  docker exec "$host" runuser -u postgres -- dropdb --if-exists anchor 2>/dev/null
  docker exec "$host" runuser -u postgres -- createdb anchor
  t0=$(now)
  docker exec "$host" bash -c "runuser -u postgres -- pg_dump -Fc $db | runuser -u postgres -- pg_restore -d anchor"
  t1=$(now)
  awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.3f", b - a}'
}

role_run() {  # prints: wall seconds, data-step seconds, rows written
  local t0 t1
  t0=$(now)
  BENCH_RESULT=$work/result.json ansible-playbook -i tests/bench/members/hosts.yml tests/bench/members/bench.yml \
    >"$work/ansible.log" 2>&1 || { tail -40 "$work/ansible.log" >&2; exit 1; }
  t1=$(now)
  python3 - "$work/result.json" "$t0" "$t1" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
t = r["timings_s"]
written = sum(int(v) for v in r["created"].values()) + sum(int(v) for v in r["updated"].values())
assert r["mismatch_count"] == 0, r["mismatches"]
print(f"{float(sys.argv[3]) - float(sys.argv[2]):.3f} {t['data']:.3f} {written}")
print(f"    data (export streamed into the import) {t['data']} s, check after the commit {t['check']} s"
      f" (inside the import, ms since start: {r['timings_ms']})", file=sys.stderr)
PY
}

declare -A whole_median
for n in $sizes; do
  echo "---- $n users: bringing up PostgreSQL 15 on $src and $tgt"
  up
  docker exec "$src" runuser -u postgres -- createdb greenlight_production
  python3 tests/greenlight/generate.py --users "$n" --seed 4 >"$work/data.sql"
  cat tests/greenlight/schema-v2.sql "$work/data.sql" | psql_on "$src" greenlight_production -f - >/dev/null
  psql_on "$src" greenlight_production -tA -c "SELECT format('source: %s users, %s rooms, %s shared accesses, %s',
    (SELECT count(*) FROM users), (SELECT count(*) FROM rooms), (SELECT count(*) FROM shared_accesses),
    pg_size_pretty(pg_database_size(current_database())))"
  anchor=() output=() whole=() data=() rerun=() rerun_rows=()
  for i in $(seq "$runs"); do
    anchor+=("$(dump_restore "$src" greenlight_production)")
    reset_target
    read -r w d rows < <(role_run)
    whole+=("$w"); data+=("$d")
    output+=("$(dump_restore "$tgt" greenlight_v3)")
    read -r w d rows < <(role_run)
    rerun+=("$w"); rerun_rows+=("$rows")
    echo "  run $i: anchor ${anchor[-1]} s, output anchor ${output[-1]} s, whole role ${whole[-1]} s (data step ${data[-1]} s), re-run $w s writing $rows rows"
  done
  a=$(median "${anchor[@]}") o=$(median "${output[@]}") w=$(median "${whole[@]}") d=$(median "${data[@]}") r=$(median "${rerun[@]}")
  whole_median[$n]=$w
  echo "  medians of $runs: pg_dump|pg_restore $a s (of the migrated v3 database: $o s); whole role $w s; data step $d s; re-run $r s"
  echo "  ratios: data step / dump-restore = $(ratio "$d" "$a")x (target <= 3x); whole role / dump-restore = $(ratio "$w" "$a")x"
  echo "          dump-restore of the output / of the source = $(ratio "$o" "$a")x; data step / dump-restore of the output = $(ratio "$d" "$o")x"
  echo "  re-run rows written: ${rerun_rows[*]} (target: 0)"
done
set -- $sizes
if (($# >= 2)); then
  echo "---- scaling: whole role at $2 / at $1 users = $(ratio "${whole_median[$2]}" "${whole_median[$1]}")x (target <= 3x)"
fi
