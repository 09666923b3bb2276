"""The inventory contract (docs/INVENTORY.md) and the roles agree: every project
variable in its table is read by the roles it names, and every project variable
a role or playbook reads is in the table. The example and lab inventories set
each contract fact once, as the project variable, never as a role input that
would shadow it."""
import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
CONTRACT = ROOT / "docs/INVENTORY.md"
VARIABLE = re.compile(r"\bbbbmig_[a-z_]*[a-z]\b")


def contract():
    """{variable: [roles]} from the table of docs/INVENTORY.md."""
    rows = {}
    for line in CONTRACT.read_text().splitlines():
        cells = [c.strip() for c in re.split(r"(?<!\\)\|", line.strip().strip("|"))]  # "\|" is a pipe in a cell
        if len(cells) == 4 and cells[0].startswith("`bbbmig_"):
            rows[cells[0].strip("`")] = re.findall(r"`([a-z_]+)`", cells[3])
    return rows


def role_text(role):
    """What a role reads: its defaults, vars, tasks, handlers and templates (not its README or tests)."""
    parts = [p for sub in ("defaults", "vars", "tasks", "handlers", "templates")
             for p in sorted((ROOT / "roles" / role / sub).rglob("*")) if p.is_file()]
    return "\n".join(p.read_text() for p in parts)


def test_the_contract_has_rows():
    assert len(contract()) >= 10


def test_the_readme_holds_the_same_table():
    table = [line for line in CONTRACT.read_text().splitlines() if line.startswith("| `bbbmig_")]
    readme = [line for line in (ROOT / "README.md").read_text().splitlines() if line.startswith("| `bbbmig_")]
    assert readme == table


@pytest.mark.parametrize("variable", sorted(contract()))
def test_each_project_variable_is_read_by_the_roles_it_names(variable):
    roles = contract()[variable]
    assert roles, f"{variable}: the contract names no role that reads it"
    for role in roles:
        assert (ROOT / "roles" / role).is_dir(), f"{variable}: no role {role}"
        assert re.search(rf"\b{variable}\b", role_text(role)), f"{variable} is not read by {role}"


def test_every_project_variable_read_anywhere_is_in_the_contract():
    read = set()
    for role in (ROOT / "roles").iterdir():
        read |= set(VARIABLE.findall(role_text(role.name)))
    for playbook in (ROOT / "playbooks").glob("*.yml"):
        read |= set(VARIABLE.findall(playbook.read_text()))
    assert read - set(contract()) == set()


# Role inputs that a contract variable feeds: setting one of these in a shared inventory would
# state the fact a second time.
SHADOWS = ["preflight_greenlight_db", "greenlight_data_source_db", "greenlight_data_target_db",
           "tls_certificates_rfc2136_server", "tls_certificates_rfc2136_port", "tls_certificates_rfc2136_key_name",
           "tls_certificates_rfc2136_key_secret", "tls_certificates_rfc2136_key_algorithm",
           "tls_certificates_extra_names", "dns_cutover_primary", "dns_cutover_port", "dns_cutover_tsig_name",
           "dns_cutover_tsig_secret", "dns_cutover_tsig_algorithm", "dns_cutover_records", "legacy_redirects_sites"]


@pytest.mark.parametrize("inventory", ["example", "lab"])
def test_the_inventories_state_each_fact_once(inventory):
    root = ROOT / "inventories" / inventory
    found = {}
    for path in sorted(root.rglob("*.yml")):
        text = path.read_text()
        for name in SHADOWS:
            if re.search(rf"^\s*{name}:", text, re.M):
                found.setdefault(name, []).append(str(path.relative_to(ROOT)))
    assert found == {}, "set the project variable instead (docs/INVENTORY.md)"
    group_vars = yaml.safe_load((root / "group_vars/all/main.yml").read_text())
    for variable in ("bbbmig_hostname_map", "bbbmig_source_greenlight_db", "bbbmig_dns_server",
                     "bbbmig_dns_tsig_name", "bbbmig_dns_tsig_secret"):
        assert variable in group_vars, f"{inventory}: {variable} is not set"
