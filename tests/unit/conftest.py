"""Make the repository's filter plugins and modules importable in unit tests."""
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
for sub in ("filter_plugins", "library"):
    path = str(ROOT / sub)
    if path not in sys.path:
        sys.path.insert(0, path)

# The modules import their shared code as Ansible ships it to a host: ansible.module_utils.<name>.
import ansible.module_utils  # noqa: E402

if str(ROOT / "module_utils") not in ansible.module_utils.__path__:
    ansible.module_utils.__path__.append(str(ROOT / "module_utils"))
