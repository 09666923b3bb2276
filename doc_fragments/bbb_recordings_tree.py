"""The option every BBB recording module shares: the tree it reads (read-only)."""


class ModuleDocFragment:
    """Documentation fragment of library/bbb_recordings_*.py."""

    DOCUMENTATION = r"""
options:
  path:
    description: Root of the BBB recording tree.
    type: path
    default: /var/bigbluebutton
notes:
  - Changes nothing; supports check mode.
author: bbb-migration
"""
