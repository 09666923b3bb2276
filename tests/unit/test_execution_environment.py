"""execution-environment.yml: the controller side as an AWX / Automation Platform
execution environment. `ansible-builder create` (requirements-dev.txt) writes the
build context here; building the image needs a base image from a registry this
machine cannot reach, so the context is what is checked: the base image, the Python
packages the project's own plugins import, the system packages, the collections the
roles call."""
import ast
import importlib.metadata
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from bindep.depends import Depends
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
EE_FILE = ROOT / "execution-environment.yml"
BUILDER = Path(sys.executable).parent / "ansible-builder"

# Python files that run in the controller's (or a module's) Python: the project's plugins.
PLUGIN_GLOBS = ["library/*.py", "module_utils/*.py", "filter_plugins/*.py", "lookup_plugins/*.py",
                "roles/*/library/*.py", "roles/*/module_utils/*.py", "roles/*/filter_plugins/*.py"]
# Collection plugins the tree calls that need a Python package on the controller.
PLUGIN_PYTHON_NEEDS = {
    r"\bansible\.utils\.ip": "netaddr",
    r"\bcommunity\.general\.nsupdate\b": "dnspython",
    r"\bcommunity\.general\.dig\b": "dnspython",
    r"\bjson_query\b": "jmespath",
    r"\bpassword_hash\b": "passlib",
}
# Where the production playbooks and roles live (test scaffolding excluded).
CONTENT_SUFFIXES = {".yml", ".yaml", ".j2", ".py"}


def content_files():
    for base in ["playbooks", "roles", "library", "module_utils", "filter_plugins", "inventories/example"]:
        for path in sorted((ROOT / base).rglob("*")):
            rel = path.relative_to(ROOT).parts
            if path.is_file() and path.suffix in CONTENT_SUFFIXES and "molecule" not in rel and "tests" not in rel:
                yield path


def third_party_imports(paths):
    """Top-level module names imported by ``paths`` that are neither stdlib nor Ansible."""
    names = {}
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Import):
                mods = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                mods = [node.module]
            else:
                continue
            for mod in mods:
                top = mod.split(".")[0]
                if top not in sys.stdlib_module_names and top not in ("ansible", "__future__"):
                    names.setdefault(top, set()).add(str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path))
    return names


def needed_distributions(paths, texts):
    """Distribution name -> why, for the imports of ``paths`` and the collection plugins named in ``texts``."""
    dists = importlib.metadata.packages_distributions()
    needed = {}
    for top, where in third_party_imports(paths).items():
        assert top in dists, f"{sorted(where)} import {top!r}, which no installed distribution provides (requirements-dev.txt?)"
        for dist in dists[top]:
            needed.setdefault(canonicalize_name(dist), set()).update(where)
    for pattern, dist in PLUGIN_PYTHON_NEEDS.items():
        users = {name for name, text in texts.items() if re.search(pattern, text)}
        if users:
            needed.setdefault(canonicalize_name(dist), set()).update(users)
    return needed


def requirement_lines(text):
    reqs = {}
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            req = Requirement(line)
            reqs[canonicalize_name(req.name)] = str(req.specifier)
    return reqs


def installed_with(dist):
    """``dist`` and everything it requires (installed, unconditional requirements), canonical names."""
    found, todo = set(), [dist]
    while todo:
        name = canonicalize_name(todo.pop())
        if name in found:
            continue
        found.add(name)
        for line in importlib.metadata.requires(name) or []:
            req = Requirement(line)
            if req.marker is None or req.marker.evaluate({"extra": ""}):
                todo.append(req.name)
    return found


def missing_from(requirements_text, paths, texts):
    """What the imports need that the EE gets neither from its requirements file nor with ansible-core."""
    provided = set(requirement_lines(requirements_text)) | installed_with("ansible-core")
    return {dist: sorted(why) for dist, why in needed_distributions(paths, texts).items() if dist not in provided}


def tree_texts():
    return {str(p.relative_to(ROOT)): p.read_text() for p in content_files() if p.suffix != ".py"}


def plugin_files():
    return sorted({p for pattern in PLUGIN_GLOBS for p in ROOT.glob(pattern)})


@pytest.fixture(scope="module")
def ee():
    return yaml.safe_load(EE_FILE.read_text())


@pytest.fixture(scope="module")
def context(tmp_path_factory):
    assert BUILDER.is_file(), f"{BUILDER} is missing: ansible-builder is pinned in requirements-dev.txt (make setup)"
    ctx = tmp_path_factory.mktemp("ee") / "context"
    result = subprocess.run([str(BUILDER), "create", "--file", str(EE_FILE), "--context", str(ctx),
                             "--output-filename", "Containerfile"],
                            capture_output=True, text=True, cwd=ROOT, timeout=120, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    return ctx


def dev_pins():
    return requirement_lines((ROOT / "requirements-dev.txt").read_text())


def test_ansible_builder_is_the_pinned_one():
    pin = dev_pins().get("ansible-builder")
    assert pin and pin.startswith("=="), "requirements-dev.txt pins ansible-builder"
    assert importlib.metadata.version("ansible-builder") == pin[2:]


def test_containerfile_names_the_base_image_and_the_pinned_ansible(context, ee):
    containerfile = (context / "Containerfile").read_text()
    base = ee["images"]["base_image"]["name"]
    assert ee["version"] == 3
    assert f'ARG EE_BASE_IMAGE="{base}"' in containerfile
    assert "FROM $EE_BASE_IMAGE AS base" in containerfile
    refs = re.search(r'^ARG ANSIBLE_INSTALL_REFS="(.*)"$', containerfile, re.M).group(1).split()
    assert f"ansible-core{dev_pins()['ansible-core']}" in refs  # the controller's ansible-core, not another
    assert any(ref.startswith("ansible-runner==") for ref in refs)  # what AWX drives inside the container
    for name in ("requirements.txt", "bindep.txt", "requirements.yml"):
        assert f"_build/{name}" in containerfile or "COPY _build /build" in containerfile


def test_python_requirements_cover_every_import(context):
    text = (context / "_build/requirements.txt").read_text()
    needed = needed_distributions(plugin_files(), tree_texts())
    assert {"dnspython", "cryptography"} <= set(needed), needed  # the scan sees the DNS modules and the TLS filters
    assert missing_from(text, plugin_files(), tree_texts()) == {}
    pins = dev_pins()
    for dist, spec in requirement_lines(text).items():
        assert spec.startswith("=="), f"{dist} is pinned in the EE"
        if dist in pins:
            assert spec == pins[dist], f"{dist}: the EE and requirements-dev.txt pin the same version"


def test_a_new_import_without_an_ee_entry_is_caught(context, tmp_path):
    text = (context / "_build/requirements.txt").read_text()
    plugin = tmp_path / "new_module.py"
    plugin.write_text("import json\nimport jinja2\nimport jmespath\nfrom ansible.module_utils.basic import AnsibleModule\n")
    assert set(missing_from(text, [plugin], {})) == {"jmespath"}  # jinja2 comes with ansible-core
    assert set(missing_from(text, [], {"roles/x/tasks/main.yml": "{{ a | community.general.json_query('b') }}"})) == {"jmespath"}


def test_bindep_gives_the_controller_ssh(context):
    text = (context / "_build/bindep.txt").read_text()
    rules = Depends(text).active_rules(["platform:rpm", "platform:redhat", "platform:centos"])
    packages = {name for name, _, _ in rules}
    assert "openssh-clients" in packages  # every phase reaches its hosts over SSH
    if any("ansible.posix.synchronize" in t for t in tree_texts().values()):
        assert "rsync" in packages


def installed_collections():
    """namespace.name -> version of the collections the pinned `ansible` package bundles."""
    found = {}
    for manifest in Path(sys.executable).parent.parent.glob("lib/python*/site-packages/ansible_collections/*/*/MANIFEST.json"):
        info = json.loads(manifest.read_text())["collection_info"]
        found[f"{info['namespace']}.{info['name']}"] = info["version"]
    return found


def test_galaxy_requirements_cover_every_collection_the_roles_call(context):
    galaxy = yaml.safe_load((context / "_build/requirements.yml").read_text())
    assert galaxy == yaml.safe_load((ROOT / "requirements.yml").read_text())  # the repository's own list
    listed = {c["name"]: str(c["version"]) for c in galaxy["collections"]}
    bundled = installed_collections()
    texts = {str(p.relative_to(ROOT)): p.read_text() for p in content_files()}
    used = {}
    for name in bundled:
        users = sorted(f for f, t in texts.items() if re.search(rf"\b{re.escape(name)}\.[a-z_]", t))
        if users:
            used[name] = users
    assert {"community.general", "community.crypto", "ansible.posix"} <= set(used)  # the scan sees the roles' calls
    assert {name: users for name, users in used.items() if name not in listed} == {}
    for name, version in listed.items():
        assert version == bundled.get(name), f"{name}: requirements.yml pins what the pinned `ansible` bundles"
