#!/usr/bin/env bash
# Benchmark (not a test): the recordings part of the cutover window, and how
# it grows when the untouched part of the platform doubles.
#
#   scripts/bench-cutover-recordings.sh
#   BENCH_RECORDINGS_COUNT=1000 BENCH_RECORDINGS_SIZE=1.4G BENCH_RUNS=3 scripts/bench-cutover-recordings.sh
#
# Two containers (recordings_sync-cutbench-{src,dst}, removed at the end) and
# the generated corpus (tests/generators/bbb_recordings.py). The role's first
# run is profiled per task (ansible.posix.profile_tasks); two presync passes
# (full verify) fill the hash cache on both sides. Then, each round, a fresh
# 1 % of the recordings changes on the source (one file appended to, one
# touched, a few new recordings) before each of:
#   cached   the role's final pass: copy the delta + full verify, hash cache on
#   nocache  the same with recordings_sync_hash_cache=false (the behaviour before the cache)
#   byhand   plain `rsync -a` of the whole tree + `sha256sum` of every file on both
#            sides (at once) and a comparison: what a careful operator does
# (unmeasured passes bring the by-hand copy and the role up to date between
# them, as a presync would). Then as many recordings again are generated (the
# untouched part doubles), presynced twice, and the rounds run again, changing
# 1 % of the ORIGINAL count. Prints medians, ratios against the by-hand
# baseline measured in the same run, and the growth of each window.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
export PATH="$root/.venv/bin:$PATH"
count=${BENCH_RECORDINGS_COUNT:-400}
size=${BENCH_RECORDINGS_SIZE:-200M}
runs=${BENCH_RUNS:-3}
((runs >= 1)) || { echo "BENCH_RUNS must be at least 1" >&2; exit 2; }
image=${BBBMIG_TEST_IMAGE:-$(tests/image/build.sh)}
net=recordings_sync-cutbench
src=recordings_sync-cutbench-src
dst=recordings_sync-cutbench-dst
work=$(mktemp -d)
keep=${BENCH_KEEP:-0}
tree=/var/bigbluebutton
plain=/srv/plain
changed=$(((count + 99) / 100))
new_each=$(((count + 399) / 400))

cleanup() {
  if [[ $keep != 1 ]]; then
    docker rm -f "$src" "$dst" >/dev/null 2>&1 || true
    docker network rm "$net" >/dev/null 2>&1 || true
  fi
  [[ $keep == 1 ]] && echo "kept: containers and $work" >&2 || rm -rf "$work"
}
trap cleanup EXIT

source scripts/lib/bench-pair.sh
since() { echo "$(now) $1" | awk '{printf "%.2f\n", $1 - $2}'; }
bench_pair_up

generate() {  # first count size
  x "$src" python3 /usr/local/bin/bbb_recordings.py --root "$tree" --first "$1" --count "$2" --seed 7 \
    --host bbb.old.example --total-size "$3" --owner bigbluebutton
}
corpus() { x "$src" bash -c "cd $tree && echo \"\$(ls recording/raw | wc -l) recordings, \$(find . -type f | wc -l) files, \$(du -sb . | cut -f1) bytes\""; }

echo "generating $count recordings, about $size, on $src"
generate 0 "$count" "$size"
# The original recordings: every change below picks among them.
x "$src" bash -c "ls $tree/recording/raw | sort >/root/original-ids"

# A plain root key for the operator's tools (not the role's restricted one).
bench_pair_plain_key
plain_ssh="ssh -i /root/.ssh/bench -o BatchMode=yes"

cat >"$work/hosts.yml" <<INV
all:
  vars:
    ansible_connection: community.docker.docker
    ansible_python_interpreter: /usr/bin/python3
    recordings_sync_verify: full
    recordings_sync_raw_retention: ignore
  hosts:
    $src: {bbbmig_public_hostname: bbb.old.example}
    $dst: {bbbmig_public_hostname: bbb.new.example}
  children:
    source_bbb: {hosts: {$src: {}}}
    target_bbb: {hosts: {$dst: {}}}
INV

role() {  # log-name [extra ansible-playbook args...]; profiled per task
  local log=$work/$1.log
  shift
  MOLECULE_PROJECT_DIRECTORY="$root/roles/recordings_sync" ANSIBLE_CONFIG="$root/ansible.cfg" \
    ANSIBLE_FACT_CACHING=memory ANSIBLE_ROLES_PATH="$root/roles" ANSIBLE_FILTER_PLUGINS="$root/filter_plugins" \
    ANSIBLE_LIBRARY="$root/library" ANSIBLE_MODULE_UTILS="$root/module_utils" \
    ANSIBLE_CALLBACKS_ENABLED=ansible.posix.profile_tasks PROFILE_TASKS_TASK_OUTPUT_LIMIT=all \
    ansible-playbook -i "$work/hosts.yml" "$root/.config/molecule/converge.yml" "$@" >"$log" 2>&1 \
    || { grep -E -A12 '^fatal|FAILED!' "$log" | head -60; echo "log: $log" >&2; keep=1; exit 1; }
}
profile() {  # log-name: the profile_tasks lines, slowest first
  sed -n '/^=\{20,\}/,$p' "$work/$1.log" | grep -E ' -+ +[0-9.]+s$' \
    | sed -E 's/^(.*[^ -]) -+ +([0-9.]+)s$/\2\t\1/' | sort -t$'\t' -k1,1gr
}
by_hand() {  # the operator's whole-tree copy and two-sided hash comparison
  x "$dst" bash -c "mkdir -p $plain && rsync -a -e '$plain_ssh' root@$src:$tree/ $plain/
    $plain_ssh root@$src 'cd $tree && find . -type f -print0 | sort -z | xargs -0 -r sha256sum' >/root/hash-src &
    (cd $plain && find . -type f -print0 | sort -z | xargs -0 -r sha256sum >/root/hash-dst) &
    wait
    cmp -s /root/hash-src /root/hash-dst"
}
plain_sync() { x "$dst" bash -c "mkdir -p $plain && rsync -a -e '$plain_ssh' root@$src:$tree/ $plain/"; }
seq_no=0
change() {  # a fresh 1 % of the original recordings: one file appended to, one touched; a few new ones
  seq_no=$((seq_no + 1))
  x "$src" bash -c "cd $tree && shuf -n $changed --random-source=<(yes $seq_no) /root/original-ids | while read -r id; do
      echo '<!-- changed $seq_no -->' >>recording/raw/\$id/events.xml
      f=\$(find published/*/\$id unpublished/*/\$id -type f ! -name metadata.xml 2>/dev/null | head -1)
      [ -n \"\$f\" ] && touch \"\$f\"
    done"
  generate $((1000000 + seq_no * 1000)) "$new_each" "$(awk -v s="$(numfmt --from=iec "$size")" -v n="$new_each" -v c="$count" 'BEGIN {printf "%d", s * n / c}')" >/dev/null
}

declare -A times
phase() {  # label: rounds of cached, nocache and byhand, each after its own fresh 1 % change
  local label=$1 r s t0
  for ((r = 1; r <= runs; r++)); do
    change; drop_caches; t0=$(now); role "$label-cached-$r"; s=$(since "$t0"); times[${label}_cached]+="$s "
    echo "  $label round $r: final pass, cache on   ${s}s"
    change; drop_caches; t0=$(now); role "$label-nocache-$r" -e '{"recordings_sync_hash_cache": false}'; s=$(since "$t0")
    times[${label}_nocache]+="$s "
    echo "  $label round $r: final pass, cache off  ${s}s"
    plain_sync  # the by-hand copy's own presync
    change; drop_caches; t0=$(now); by_hand; s=$(since "$t0"); times[${label}_byhand]+="$s "
    echo "  $label round $r: rsync -a + sha256sum   ${s}s"
    # A presync (the role up to date, the cache refreshed); not needed after the last round.
    [[ $label == two && $r == "$runs" ]] || role "$label-settle-$r"
  done
}

echo "first role run (trust, copy, manifests, full verify filling the cache), profiled"
t0=$(now); role first; first=$(since "$t0")
plain_sync
c1=$(corpus)
echo "corpus: $c1; first run ${first}s"
profile first | awk -F'\t' '/Copy the recordings from the sources/ {d += $1; next}
  /manifest/ {m += $1; next} /Gathering Facts/ {f += $1; next} {o += $1; n++}
  END {printf "  first run grouped: copy driver %.1fs, manifests %.1fs, fact gathering %.1fs, %d other tasks %.1fs\n", d, m, f, n, o}'
phase one

echo "doubling the untouched part: $count more recordings, about $size"
generate "$count" "$count" "$size"
t0=$(now); role double-first; dfirst=$(since "$t0")
plain_sync
c2=$(corpus)
echo "corpus: $c2; presync of the new half ${dfirst}s"
phase two

median() { tr ' ' '\n' | grep . | sort -g | awk '{a[NR]=$1} END {if (NR % 2) print a[(NR+1)/2]; else printf "%.2f\n", (a[NR/2]+a[NR/2+1])/2}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }
declare -A med
for k in one_cached one_nocache one_byhand two_cached two_nocache two_byhand; do med[$k]=$(echo "${times[$k]}" | median); done

echo
echo "first role run: ${first}s; per task (profile_tasks, slowest first; the copy driver is 'Copy the recordings ...'):"
profile first | head -12 | awk -F'\t' '{printf "  %8.2fs  %s\n", $1, $2}'
profile first | awk -F'\t' '/Copy the recordings from the sources/ {d += $1; next}
  /manifest/ {m += $1; next} /Gathering Facts/ {f += $1; next} {o += $1; n++}
  END {printf "  grouped: copy driver %.1fs, manifests %.1fs, fact gathering %.1fs, %d other tasks %.1fs\n", d, m, f, n, o}'
echo "final pass with the cache (round 1, doubled corpus), per task:"
profile two-cached-1 | head -8 | awk -F'\t' '{printf "  %8.2fs  %s\n", $1, $2}'
echo
echo "change each time: $changed of the $count original recordings (one file appended, one touched) + $new_each new"
echo "corpus 1: $c1"
echo "corpus 2: $c2"
printf '%-46s %10s %10s %8s\n' "window (median of $runs)" "corpus 1" "corpus 2" "growth"
for k in cached nocache byhand; do
  case $k in
    cached) name="role final pass, hash cache on" ;;
    nocache) name="role final pass, hash cache off (before)" ;;
    byhand) name="rsync -a whole tree + sha256sum both sides" ;;
  esac
  printf '%-46s %9ss %9ss %7s%%\n' "$name" "${med[one_$k]}" "${med[two_$k]}" \
    "$(awk -v a="${med[two_$k]}" -v b="${med[one_$k]}" 'BEGIN {printf "%+.0f", (a / b - 1) * 100}')"
done
echo "runs (s): cache on ${times[one_cached]}/ ${times[two_cached]}; cache off ${times[one_nocache]}/ ${times[two_nocache]}; by hand ${times[one_byhand]}/ ${times[two_byhand]}"
echo
echo "ratio cache on / by hand:  $(ratio "${med[one_cached]}" "${med[one_byhand]}") (corpus 1), $(ratio "${med[two_cached]}" "${med[two_byhand]}") (corpus 2)"
echo "ratio cache on / cache off: $(ratio "${med[one_cached]}" "${med[one_nocache]}") (corpus 1), $(ratio "${med[two_cached]}" "${med[two_nocache]}") (corpus 2)"
echo "growth of the cached window when the untouched part doubles: $(ratio "${med[two_cached]}" "${med[one_cached]}") (goal <= 1.10)"
