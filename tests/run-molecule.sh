#!/usr/bin/env bash
# Run Molecule scenarios: every role's molecule/default and every top-level
# scenario under molecule/, or the ones named as arguments (e.g. roles/preflight,
# molecule/migration). Scenarios run in BBBMIG_MOLECULE_JOBS lanes at once
# (default 3; they never share containers or networks), the longest first so
# the lanes end together. After a failure no new scenario starts; the summary
# names each scenario, its result and time.
#
# Environment: MOLECULE_COMMAND (default "test"), BBBMIG_TEST_IMAGE,
# BBBMIG_MOLECULE_JOBS, BBBMIG_LOG_DIR.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
command=${MOLECULE_COMMAND:-test}
jobs=${BBBMIG_MOLECULE_JOBS:-3}
logdir=${BBBMIG_LOG_DIR:-$root/.cache/molecule-logs}
mkdir -p "$logdir"
export BBBMIG_TEST_IMAGE=${BBBMIG_TEST_IMAGE:-$(tests/image/build.sh)}
export ANSIBLE_FORCE_COLOR=0 PY_COLORS=0

# The seconds each scenario took in a clean-clone make test (2026-12-02, three at a time),
# to start the longest first (a scenario missing here starts after these, in name order).
declare -A typical=(
  [molecule/migration]=1542 [roles/recordings_sync]=885 [roles/greenlight_data]=661 [roles/maintenance_mode]=525
  [roles/decommission]=399 [roles/dns_cutover]=353 [roles/bbb_server]=339 [roles/greenlight]=318
  [roles/member_notify]=299 [roles/member_export]=259 [roles/coturn]=250 [roles/tls_certificates]=221
  [roles/preflight]=199 [roles/migration_record]=172 [roles/legacy_redirects]=158 [roles/cutover_verify]=127
)

scenarios=()
if (($#)); then
  scenarios=("$@")
else
  for f in roles/*/molecule/default/molecule.yml; do
    [[ -e "$f" ]] && scenarios+=("${f%/molecule/default/molecule.yml}")
  done
  for f in molecule/*/molecule.yml; do
    [[ -e "$f" ]] && scenarios+=("molecule/$(basename "$(dirname "$f")")")
  done
  mapfile -t scenarios < <(for s in "${scenarios[@]}"; do printf '%s %s\n' "${typical[$s]:-0}" "$s"; done |
    sort -k1,1nr -k2,2 | cut -d' ' -f2)
fi
for s in "${scenarios[@]}"; do
  case "$s" in
    roles/*|molecule/*) ;;
    *) echo "unknown scenario '$s': name roles/<role> or molecule/<scenario>" >&2; exit 2 ;;
  esac
done

label_of() { case "$1" in roles/*) echo "${1#roles/}" ;; *) echo "$1" ;; esac; }
log_of() { local l; l=$(label_of "$1"); echo "$logdir/${l//\//_}.log"; }

# One scenario; writes "<rc> <seconds>" to its .result file.
run_one() {
  local s=$1 dir name log start rc
  case "$s" in
    roles/*) dir=$s; name=default ;;
    molecule/*) dir=.; name=${s#molecule/} ;;
  esac
  log=$(log_of "$s")
  start=$(date +%s)
  (cd "$dir" && molecule "$command" -s "$name") >"$log" 2>&1
  rc=$?
  echo "$rc $(( $(date +%s) - start ))" >"$log.result"
  return "$rc"
}

declare -A pid_of=()
started=() failed_any=0
next=0
report() {  # report the scenarios whose lane has ended
  local s rc secs
  for s in "${!pid_of[@]}"; do
    kill -0 "${pid_of[$s]}" 2>/dev/null && continue
    wait "${pid_of[$s]}"
    unset "pid_of[$s]"
    read -r rc secs <"$(log_of "$s").result"
    if ((rc == 0)); then
      echo "---- PASS $(label_of "$s") (${secs} s): $(grep -E '[0-9]+ passed' "$(log_of "$s")" | tail -n 1)"
    else
      failed_any=1
      echo "---- FAIL $(label_of "$s") (exit $rc, ${secs} s); last lines of its log:"
      tail -n 80 "$(log_of "$s")"
    fi
  done
}

while ((next < ${#scenarios[@]})) && ((failed_any == 0)); do
  if ((${#pid_of[@]} < jobs)); then
    s=${scenarios[$next]}; next=$((next + 1))
    rm -f "$(log_of "$s").result"
    echo "---- molecule $command: $(label_of "$s") (log: $(log_of "$s" | sed "s|^$root/||"))"
    run_one "$s" &
    pid_of[$s]=$!
    started+=("$s")
  else
    sleep 2
  fi
  report
done
while ((${#pid_of[@]})); do sleep 2; report; done

passed=0 failed=0
echo
if [[ -n "${BBBMIG_TEST_START:-}" ]]; then
  echo "make test ran $(( $(date +%s) - BBBMIG_TEST_START )) s in all"
fi
echo "Molecule summary ($jobs at a time):"
for s in "${scenarios[@]}"; do
  f="$(log_of "$s").result"
  if [[ " ${started[*]} " == *" $s "* && -f "$f" ]]; then
    read -r rc secs <"$f"
    if ((rc == 0)); then passed=$((passed + 1)); echo "  PASS  $(label_of "$s")  (${secs} s)"
    else failed=$((failed + 1)); echo "  FAIL  $(label_of "$s")  (${secs} s)"; fi
  else
    echo "  SKIP  $(label_of "$s")  (not run after a failure)"
  fi
done
echo "molecule: $passed passed, $failed failed"
((failed == 0 && passed == ${#scenarios[@]}))
