#!/usr/bin/env python3
"""Fill the time column of TESTING.md from the last test run on this machine.

Each table row of TESTING.md names its proof in backticks, one or more of:

    `roles/<role>::<test>`       a test of a role's scenario
    `molecule/<name>::<test>`    a test of a top-level scenario
    `tests/unit/<file>.py`       a unit test file (all its tests)
    `tests/unit/<file>.py::<test>`

and its last cell is the time that proof takes here: the sum of pytest's
setup, call and teardown of the tests named (a module fixture that runs a
playbook for several tests is counted with the first test that uses it).
Scenario times come from the logs `make test` / `make molecule` leave in
.cache/molecule-logs/ (the verifier prints every test's duration); unit test
times from one run of the unit tests that this script starts. A proof whose
time is not in the logs keeps the cell it has.

    scripts/testing-times.py            rewrite TESTING.md in place (scenario times only)
    scripts/testing-times.py --unit     also run the unit tests and fill their times
    scripts/testing-times.py --check    print the table, change nothing

BBBMIG_LOG_DIR names another log directory (a clean clone's, say), as for
tests/run-molecule.sh.
"""
import os
import re
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LOGS = Path(os.environ.get("BBBMIG_LOG_DIR") or ROOT / ".cache" / "molecule-logs")
DURATION = re.compile(r"^\s*([\d.]+)s (setup|call|teardown)\s+(\S+?)::(\w+)")
PASSED = re.compile(r"::(\w+)(?:\[.*\])? PASSED")
PROOF = re.compile(r"`((?:roles|molecule)/[\w-]+|tests/unit/[\w.]+\.py)(?:::(\w+))?`")


def scenario_log(scenario):
    label = scenario[len("roles/"):] if scenario.startswith("roles/") else scenario.replace("/", "_")
    return LOGS / f"{label}.log"


def durations(lines):
    """{test name: seconds} from pytest's --durations lines, and {file: seconds}."""
    by_test, by_file = defaultdict(float), defaultdict(float)
    for line in lines:
        match = DURATION.match(line)
        if match:
            seconds, _, path, test = match.groups()
            by_test[test] += float(seconds)
            by_file[Path(path).name] += float(seconds)
    return by_test, by_file


def unit_durations():
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--durations=0",
                          "--durations-min=0", "tests/unit"], cwd=ROOT, capture_output=True, text=True)
    return durations(run.stdout.splitlines())


def spell(seconds):
    if seconds < 1:
        return "under 1 s"
    seconds = round(seconds)
    return f"{seconds // 60} min {seconds % 60} s" if seconds >= 120 else f"{seconds} s"


def main(argv):
    check, with_unit = "--check" in argv, "--unit" in argv
    path = ROOT / "TESTING.md"
    text = path.read_text()
    cache, unit = {}, None
    out = []
    for line in text.splitlines():
        proofs = PROOF.findall(line) if line.startswith("|") else []
        if proofs:
            total, known = 0.0, True
            for where, test in proofs:
                if where.startswith("tests/unit/"):
                    if not with_unit:
                        known = False
                        break
                    unit = unit or unit_durations()
                    seconds = unit[0].get(test) if test else unit[1].get(Path(where).name)
                else:
                    if where not in cache:
                        log = scenario_log(where)
                        lines = log.read_text().splitlines() if log.exists() else []
                        # Tests under a second are not listed; a test that passed is then counted as 0.
                        passed = {m.group(1) for m in map(PASSED.search, lines) if m}
                        cache[where] = durations(lines) + (passed,)
                    by_test, _, passed = cache[where]
                    seconds = by_test.get(test, 0.0 if test in passed else None) if test else None
                if seconds is None:
                    known = False
                    break
                total += seconds
            if known:
                cells = line.rstrip().rstrip("|").split("|")
                cells[-1] = f" {spell(total)} "
                line = "|".join(cells) + "|"
        out.append(line)
    new = "\n".join(out) + "\n"
    if check:
        print(new)
    elif new != text:
        path.write_text(new)
        print("TESTING.md: times updated from the last run")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
