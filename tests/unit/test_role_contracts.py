"""Every role keeps its contract: inputs in defaults/, the same keys in
meta/argument_specs.yml, each input in its README's table, a Molecule scenario."""
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
ROLES = sorted(p for p in (ROOT / "roles").iterdir() if (p / "tasks").is_dir())


def role_ids():
    return [r.name for r in ROLES]


def spec_options(role):
    spec = yaml.safe_load((role / "meta/argument_specs.yml").read_text())
    options = {}
    for entry in spec["argument_specs"].values():
        options.update(entry.get("options") or {})
    return options


def defaults(role):
    path = role / "defaults/main.yml"
    return yaml.safe_load(path.read_text()) or {} if path.exists() else {}


def test_there_are_roles():
    assert ROLES


@pytest.mark.parametrize("role", ROLES, ids=role_ids())
def test_role_has_the_files_a_reviewer_expects(role):
    for rel in ("defaults/main.yml", "meta/argument_specs.yml", "meta/main.yml", "tasks/main.yml",
                "README.md", "molecule/default/molecule.yml"):
        assert (role / rel).is_file(), f"{role.name}: {rel} is missing"


@pytest.mark.parametrize("role", ROLES, ids=role_ids())
def test_defaults_and_argument_specs_name_the_same_inputs(role):
    assert set(defaults(role)) - set(spec_options(role)) == set(), "inputs in defaults/ but not in the spec"
    undocumented = {k for k, v in spec_options(role).items() if not v.get("required")} - set(defaults(role))
    assert undocumented == set(), "optional inputs in the spec without a default in defaults/"


@pytest.mark.parametrize("role", ROLES, ids=role_ids())
def test_inputs_are_role_prefixed(role):
    bad = [k for k in spec_options(role) if not k.startswith(role.name + "_")]
    assert bad == []


@pytest.mark.parametrize("role", ROLES, ids=role_ids())
def test_readme_lists_every_input(role):
    readme = (role / "README.md").read_text()
    missing = [k for k in spec_options(role) if f"`{k}`" not in readme]
    assert missing == [], f"{role.name}/README.md does not list {missing}"
