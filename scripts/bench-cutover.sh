#!/usr/bin/env bash
# Benchmark (not a test): the cutover window, the time members cannot use the
# platform, on the lab platform, against what a careful operator does by hand
# in the same run.
#
#   make bench BENCH=cutover
#   BENCH_CUTOVER_RECORDINGS=1000 BENCH_CUTOVER_SIZE=2G BENCH_CUTOVER_MEMBERS=10000 scripts/bench-cutover.sh
#
# 1. A fresh lab (the containers of molecule/migration and make demo: a lab left
#    up is replaced) with BENCH_CUTOVER_RECORDINGS recordings and
#    BENCH_CUTOVER_MEMBERS members; phases 00 to 30 as an operator runs them
#    (the presync verifies every byte, the members are moved once). The
#    operator's own copy by hand is presynced too (rsync -a), untimed.
# 2. BENCH_CUTOVER_CHANGED_PERCENT (1) % of the recordings and of the members
#    change on the old platform (a file of each recording grows, names change).
# 3. Timed: 40-cutover, as ansible-playbook runs it (freeze, last copy with full
#    verification, last member sync, DNS switch verified on both nameservers,
#    the check from outside, the trust removed), and its parts from the marks
#    40-cutover records. Then, by hand: rsync -a of the whole tree onto the
#    operator's presynced copy, pg_dump -Fc | pg_restore of the whole database
#    into an empty one, the same two DNS records sent with nsupdate.
# Prints both and their ratio. The goal: the window at most half the by-hand figure.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
export PATH="$root/.venv/bin:$PATH" BBBMIG_REPO_ROOT=$root ANSIBLE_CONFIG=$root/ansible.cfg
export BBBMIG_TEST_IMAGE=${BBBMIG_TEST_IMAGE:-$(tests/image/build.sh)}
recordings=${BENCH_CUTOVER_RECORDINGS:-1000}
size=${BENCH_CUTOVER_SIZE:-2G}
members=${BENCH_CUTOVER_MEMBERS:-10000}
percent=${BENCH_CUTOVER_CHANGED_PERCENT:-1}
work=$root/.cache/bench-cutover
rm -rf "$work" && mkdir -p "$work"
export BBBMIG_RECORD_DIR=$work/records
lab=(-i inventories/lab)
x() { docker exec "$@"; }
now() { date +%s.%N; }
since() { python3 -c "import sys, time; print(time.time() - float(sys.argv[1]))" "$1"; }
step() { printf '== %s\n' "$*"; }
run() {  # run LOG CMD...: quiet unless it fails
  local log=$1; shift
  "$@" >"$log" 2>&1 || { tail -n 40 "$log"; echo "failed: $* (log: $log)" >&2; exit 1; }
}

step "a fresh lab: $recordings recordings ($size), $members members"
molecule destroy -s migration >"$work/destroy.log" 2>&1 || true
run "$work/create.log" molecule create -s migration  # Molecule's create also prepares the lab's small platform
# ... whose recordings and members make way for the benchmark's.
x lab-old-bbb rm -rf /var/bigbluebutton
x lab-old-gl docker exec greenlight_db_1 dropdb -U postgres greenlight_production
run "$work/prepare.log" ansible-playbook "${lab[@]}" tests/lab/prepare.yml \
  -e "lab_recordings_count=$recordings" -e "lab_recordings_size=$size" -e "lab_members_count=$members"

for phase in 00-preflight 10-provision 20-presync 30-members; do
  step "phase $phase"
  started=$(now)
  run "$work/$phase.log" ansible-playbook "${lab[@]}" "playbooks/$phase.yml"
  printf '   %.1f s\n' "$(since "$started")"
done

step "the operator's own presynced copy (untimed): rsync -a to /var/bigbluebutton-by-hand on lab-new-bbb"
x lab-new-bbb bash -c 'test -f /root/.ssh/by-hand || ssh-keygen -q -t ed25519 -N "" -f /root/.ssh/by-hand'
x lab-old-bbb bash -c "mkdir -p /root/.ssh && grep -q by-hand /root/.ssh/authorized_keys 2>/dev/null || echo '$(x lab-new-bbb cat /root/.ssh/by-hand.pub) by-hand' >>/root/.ssh/authorized_keys"
by_hand_rsync=(rsync -a --delete -e "ssh -i /root/.ssh/by-hand -o BatchMode=yes -o StrictHostKeyChecking=accept-new"
               lab-old-bbb:/var/bigbluebutton/ /var/bigbluebutton-by-hand/)
x lab-new-bbb "${by_hand_rsync[@]}"

changed=$(( (recordings * percent + 99) / 100 ))
changed_members=$(( (members * percent + 99) / 100 ))
step "changing $changed recordings and $changed_members members on the old platform ($percent %)"
x lab-old-bbb bash -c "cd /var/bigbluebutton/published && find . -mindepth 2 -maxdepth 2 -type d | sort | head -n $changed |
  while read -r dir; do f=\$(find \"\$dir\" -type f ! -name metadata.xml | sort | head -n 1);
    [ -n \"\$f\" ] && head -c 65536 /dev/urandom >>\"\$f\"; done"
x lab-old-gl docker exec greenlight_db_1 psql -X -q -U postgres -d greenlight_production -c \
  "UPDATE users SET name = name || ' (moved)', updated_at = now() WHERE id IN (SELECT id FROM users ORDER BY id LIMIT $changed_members);
   UPDATE rooms SET name = name || ' (moved)', updated_at = now() WHERE id IN (SELECT id FROM rooms ORDER BY id LIMIT $changed_members);"

x lab-old-bbb bash -c 'echo "old node: $(ls /var/bigbluebutton/recording/raw | wc -l) recordings, $(du -sh /var/bigbluebutton | cut -f1)"'
x lab-old-gl docker exec greenlight_db_1 psql -X -tA -U postgres -d greenlight_production -c "SELECT 'old Greenlight: ' || count(*) || ' members' FROM users"
step "40-cutover (timed)"
started=$(now)
run "$work/40-cutover.log" ansible-playbook "${lab[@]}" playbooks/40-cutover.yml
window_wall=$(since "$started")

step "by hand (timed): rsync -a of the whole tree, pg_dump | pg_restore, nsupdate"
t0=$(now)
x lab-new-bbb "${by_hand_rsync[@]}"
t1=$(now)
x lab-old-gl docker exec greenlight_db_1 bash -c 'dropdb -U postgres --if-exists by_hand && createdb -U postgres by_hand &&
  pg_dump -U postgres -Fc greenlight_production | pg_restore -U postgres --no-owner -d by_hand'
t2=$(now)
secret=$(sed -n 's/^vault_dns_tsig_secret: //p' inventories/lab/group_vars/all/vault.yml)
new_gl=$(docker container inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' lab-new-gl)
x -i lab-ns1 nsupdate -y "hmac-sha256:migration-key:$secret" <<NSUPDATE
server 127.0.0.1
zone coop.test
update delete bbb.coop.test. A
update add bbb.coop.test. 300 A $new_gl
update delete meet.coop.test. A
update add meet.coop.test. 300 A $new_gl
send
NSUPDATE
t3=$(now)

python3 - "$BBBMIG_RECORD_DIR/40-cutover.json" "$window_wall" "$t0" "$t1" "$t2" "$t3" "$changed" "$recordings" "$changed_members" "$members" <<'PY'
import datetime, json, sys
record, wall = json.load(open(sys.argv[1])), float(sys.argv[2])
t0, t1, t2, t3 = map(float, sys.argv[3:7])
marks = {k: datetime.datetime.strptime(v, "%Y-%m-%dT%H:%M:%S.%fZ").timestamp() for k, v in record["data"]["marks"].items()}
order = ["freeze_started", "frozen", "recordings_copied", "members_moved", "dns_switched", "verified"]
labels = ["freeze", "last recordings copy + full verification", "last member sync", "DNS switch, verified",
          "check from outside"]
window = marks["verified"] - marks["freeze_started"]
by_hand = t3 - t0
print(f"\nchanged: {sys.argv[7]} of {sys.argv[8]} recordings, {sys.argv[9]} of {sys.argv[10]} members")
print(f"{'cutover window (freeze to verified switch)':<48} {window:8.1f} s")
for a, b, label in zip(order, order[1:], labels):
    print(f"  {label:<46} {marks[b] - marks[a]:8.1f} s")
print(f"{'40-cutover, whole playbook (ansible-playbook)':<48} {wall:8.1f} s")
print(f"{'by hand: rsync -a + pg_dump|pg_restore + nsupdate':<48} {by_hand:8.1f} s")
print(f"  {'rsync -a of the whole tree (presynced)':<46} {t1 - t0:8.1f} s")
print(f"  {'pg_dump -Fc | pg_restore':<46} {t2 - t1:8.1f} s")
print(f"  {'nsupdate (2 records)':<46} {t3 - t2:8.1f} s")
print(f"{'ratio window / by hand':<48} {window / by_hand:8.2f}   (goal: at most 0.50)")
PY
echo "(the lab stays up; make clean removes it)"
