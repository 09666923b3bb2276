#!/usr/bin/env bash
# Run Molecule scenarios one after another: every role's molecule/default and
# every top-level scenario under molecule/, or the ones named as arguments
# (e.g. roles/preflight, molecule/migration). Stops at the first failure and
# prints a summary naming each scenario and its result.
#
# Environment: MOLECULE_COMMAND (default "test"), BBBMIG_TEST_IMAGE.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
command=${MOLECULE_COMMAND:-test}
logdir=${BBBMIG_LOG_DIR:-$root/.cache/molecule-logs}
mkdir -p "$logdir"
export BBBMIG_TEST_IMAGE=${BBBMIG_TEST_IMAGE:-$(tests/image/build.sh)}
export ANSIBLE_FORCE_COLOR=0 PY_COLORS=0

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
fi

results=()
passed=0 failed=0
for s in "${scenarios[@]}"; do
  case "$s" in
    roles/*) dir=$s; name=default; label=${s#roles/} ;;
    molecule/*) dir=.; name=${s#molecule/}; label=$s ;;
    *) echo "unknown scenario '$s': name roles/<role> or molecule/<scenario>" >&2; exit 2 ;;
  esac
  log="$logdir/${label//\//_}.log"
  start=$(date +%s)
  echo "---- molecule $command: $label (log: ${log#"$root"/})"
  (cd "$dir" && molecule "$command" -s "$name") >"$log" 2>&1
  rc=$?
  secs=$(( $(date +%s) - start ))
  if ((rc == 0)); then
    passed=$((passed + 1)); results+=("PASS  $label  (${secs} s)")
    grep -E '^(=+ .*(passed|failed).* =+|.*[0-9]+ passed.*)$' "$log" | tail -n 1
  else
    failed=$((failed + 1)); results+=("FAIL  $label  (${secs} s)")
    echo "---- $label failed (exit $rc); last lines of its log:"
    tail -n 80 "$log"
    break
  fi
done

echo
if [[ -n "${BBBMIG_TEST_START:-}" ]]; then
  echo "make test ran $(( $(date +%s) - BBBMIG_TEST_START )) s in all"
fi
echo "Molecule summary:"
printf '  %s\n' "${results[@]}"
for s in "${scenarios[@]:$((passed + failed))}"; do echo "  SKIP  ${s#roles/}  (not run after a failure)"; done
echo "molecule: $passed passed, $failed failed"
((failed == 0))
