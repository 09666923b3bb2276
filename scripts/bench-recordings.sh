#!/usr/bin/env bash
# Benchmark (not a test): the recordings_sync copy against what an operator
# would otherwise do, on the same two containers and the same generated corpus.
#
#   make bench BENCH=recordings
#   BENCH_RECORDINGS_COUNT=200 BENCH_RECORDINGS_SIZE=300M BENCH_RUNS=3 scripts/bench-recordings.sh
#
# Contenders, interleaved (order rotated each round), page cache dropped
# before each run, each run BENCH_RUNS times (at least 3):
#   role      the role's copy driver (parallel streams, as templated by the role)
#   rsync     plain `rsync -a` over SSH (what the BBB docs tell an operator to do)
#   tar       tar | ssh | tar
#   cp        local `cp -a` of the same tree on the target's disk (no network, no encryption)
# then a pass with nothing changed: role driver versus plain rsync.
# Prints medians and ratios. Containers: recordings_sync-bench-{src,dst}, removed at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
export PATH="$root/.venv/bin:$PATH"
count=${BENCH_RECORDINGS_COUNT:-1000}
size=${BENCH_RECORDINGS_SIZE:-1.4G}
runs=${BENCH_RUNS:-3}
((runs >= 3)) || { echo "BENCH_RUNS must be at least 3" >&2; exit 2; }
image=${BBBMIG_TEST_IMAGE:-$(tests/image/build.sh)}
net=recordings_sync-bench
src=recordings_sync-bench-src
dst=recordings_sync-bench-dst
work=$(mktemp -d)
keep=${BENCH_KEEP:-0}

cleanup() {
  if [[ $keep != 1 ]]; then
    docker rm -f "$src" "$dst" >/dev/null 2>&1 || true
    docker network rm "$net" >/dev/null 2>&1 || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

source scripts/lib/bench-pair.sh
bench_pair_up

echo "generating $count recordings, about $size, on $src"
x "$src" python3 /usr/local/bin/bbb_recordings.py --root /var/bigbluebutton --count "$count" --seed 7 \
  --host bbb.old.example --total-size "$size" --owner bigbluebutton
corpus=$(x "$src" bash -c 'cd /var/bigbluebutton && echo "$(find . -type f | wc -l) files, $(du -sb . | cut -f1) bytes"')

# A plain root key for the operator's tools (not the role's restricted one).
bench_pair_plain_key
plain_ssh="ssh -i /root/.ssh/bench -o BatchMode=yes"

echo "setting up the role's trust and driver (one role run, verify fast)"
cat >"$work/hosts.yml" <<INV
all:
  vars:
    ansible_connection: community.docker.docker
    ansible_python_interpreter: /usr/bin/python3
    recordings_sync_verify: fast
    recordings_sync_raw_retention: ignore
  hosts:
    $src: {bbbmig_public_hostname: bbb.old.example}
    $dst: {bbbmig_public_hostname: bbb.new.example}
  children:
    source_bbb: {hosts: {$src: {}}}
    target_bbb: {hosts: {$dst: {}}}
INV
t0=$(now)
MOLECULE_PROJECT_DIRECTORY="$root/roles/recordings_sync" ANSIBLE_CONFIG="$root/ansible.cfg" \
  ANSIBLE_FACT_CACHING=memory ANSIBLE_ROLES_PATH="$root/roles" ANSIBLE_FILTER_PLUGINS="$root/filter_plugins" \
  ANSIBLE_LIBRARY="$root/library" ANSIBLE_MODULE_UTILS="$root/module_utils" \
  ansible-playbook -i "$work/hosts.yml" "$root/.config/molecule/converge.yml" >"$work/role.log" 2>&1 \
  || { tail -40 "$work/role.log"; exit 1; }
role_first=$(echo "$(now) - $t0" | awk '{print $1 - $3}')
streams=$(x "$dst" cat /var/lib/bbb-migration/recordings/recordings-sync.sh | grep -cE '^stream [^ ]+-[0-9]+ ' || true)
# A reference copy on the target's disk for cp -a.
x "$dst" bash -c 'rm -rf /srv/ref && cp -a /var/bigbluebutton /srv/ref'

clear_dst() {
  x "$dst" bash -c 'rm -rf /var/bigbluebutton/* /var/bigbluebutton/.[!.]* /srv/cp /var/lib/bbb-migration/recordings/metadata/* 2>/dev/null; true'
}
run_one() {  # name -> seconds on stdout
  local start
  case $1 in
    role) start=$(now); x "$dst" /var/lib/bbb-migration/recordings/recordings-sync.sh >/dev/null ;;
    rsync) start=$(now); x "$dst" rsync -a -e "$plain_ssh" "root@$src:/var/bigbluebutton/" /var/bigbluebutton/ ;;
    tar) start=$(now); x "$dst" bash -c "$plain_ssh root@$src 'tar -C /var/bigbluebutton -cf - .' | tar -C /var/bigbluebutton -xf -" ;;
    cp) start=$(now); x "$dst" cp -a /srv/ref /srv/cp ;;
  esac
  echo "$(now) $start" | awk '{printf "%.2f\n", $1 - $2}'
}

declare -A times
contenders=(role rsync tar cp)
echo "bulk copy: $runs rounds of ${contenders[*]}"
for ((r = 0; r < runs; r++)); do
  for ((i = 0; i < ${#contenders[@]}; i++)); do
    c=${contenders[$(((i + r) % ${#contenders[@]}))]}
    clear_dst; drop_caches
    s=$(run_one "$c"); times[$c]+="$s "
    echo "  round $((r + 1)) $c ${s}s"
  done
done

echo "no-change pass: $runs rounds of role, rsync"
clear_dst
x "$dst" /var/lib/bbb-migration/recordings/recordings-sync.sh >/dev/null
for ((r = 0; r < runs; r++)); do
  for c in $([[ $((r % 2)) == 0 ]] && echo "role rsync" || echo "rsync role"); do
    drop_caches
    s=$(run_one "$c"); times[nc_$c]+="$s "
    echo "  round $((r + 1)) no-change $c ${s}s"
  done
done

median() { tr ' ' '\n' | grep . | sort -g | awk '{a[NR]=$1} END {if (NR % 2) print a[(NR+1)/2]; else printf "%.2f\n", (a[NR/2]+a[NR/2+1])/2}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }
declare -A med
for k in role rsync tar cp nc_role nc_rsync; do med[$k]=$(echo "${times[$k]}" | median); done

echo
echo "corpus: $count recordings, $corpus; $runs runs each; role streams: $streams; first full role run (ansible, copy + fast verify): ${role_first}s"
printf '%-34s %8s   %s\n' "contender" "median" "runs (s)"
printf '%-34s %7ss   %s\n' "role copy driver ($streams streams)" "${med[role]}" "${times[role]}"
printf '%-34s %7ss   %s\n' "plain rsync -a over ssh" "${med[rsync]}" "${times[rsync]}"
printf '%-34s %7ss   %s\n' "tar | ssh | tar" "${med[tar]}" "${times[tar]}"
printf '%-34s %7ss   %s\n' "local cp -a on the target" "${med[cp]}" "${times[cp]}"
printf '%-34s %7ss   %s\n' "no change: role copy driver" "${med[nc_role]}" "${times[nc_role]}"
printf '%-34s %7ss   %s\n' "no change: plain rsync" "${med[nc_rsync]}" "${times[nc_rsync]}"
echo
echo "ratio role / plain rsync (bulk):     $(ratio "${med[role]}" "${med[rsync]}")  (target <= 0.80)"
echo "ratio role / local cp -a (bulk):     $(ratio "${med[role]}" "${med[cp]}")  (target <= 1.50)"
echo "ratio tar / plain rsync (bulk):      $(ratio "${med[tar]}" "${med[rsync]}")"
echo "ratio role / plain rsync (no change): $(ratio "${med[nc_role]}" "${med[nc_rsync]}")  (target <= 1.20)"
