"""Make the repository's filter plugins and modules importable in unit tests."""
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
for sub in ("filter_plugins", "library"):
    path = str(ROOT / sub)
    if path not in sys.path:
        sys.path.insert(0, path)
