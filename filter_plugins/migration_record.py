"""Pure logic of the migration record: which earlier phases block this one."""


def record_problems(record, requires):
    """Messages for each required phase that is missing or did not finish ok.

    ``record`` maps a phase name to its JSON entry (``result``, ``finished``);
    ``requires`` lists phase names. An empty list means the phase may run.
    """
    problems = []
    for phase in requires or []:
        entry = (record or {}).get(phase)
        if entry is None:
            problems.append(f"{phase} has not run (run playbooks/{phase}.yml first)")
        elif entry.get("result") == "running":
            problems.append(f"{phase} started {entry.get('started')} but did not finish (re-run it)")
        elif entry.get("result") != "ok":
            problems.append(f"{phase} finished with result {entry.get('result')!r}")
    return problems


class FilterModule:
    """Migration record filters."""

    def filters(self):
        return {"record_problems": record_problems}
