#!/usr/bin/env bash
# make demo: bring up the lab platform and migrate it, start to report.
#   - the lab (inventories/lab): old BBB node with recordings and old Greenlight v2
#     (coop.test), new BBB node and new Greenlight (newcoop.test), two BIND
#     nameservers, an ACME test server; created and seeded by Molecule's
#     migration scenario (create + prepare), so the demo and the end-to-end
#     test run the very same lab;
#   - then every phase with playbooks/site.yml against inventories/lab, as an
#     operator would (50-notify mails the members through the lab's relay), how
#     many members were told, and the report.
# The lab stays up for inspection (docker exec -it lab-new-bbb bash);
# `make clean` removes it.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.venv/bin:$PATH"
export BBBMIG_TEST_IMAGE=${BBBMIG_TEST_IMAGE:-$(tests/image/build.sh)}
export BBBMIG_REPO_ROOT=$PWD

mkdir -p .cache
echo "== bringing up the lab platform (8 containers)"
molecule create -s migration >.cache/demo-create.log 2>&1 || { tail -40 .cache/demo-create.log; exit 1; }
molecule prepare -s migration >.cache/demo-prepare.log 2>&1 || { tail -40 .cache/demo-prepare.log; exit 1; }

echo "== migrating: ansible-playbook -i inventories/lab playbooks/site.yml"
ansible-playbook -i inventories/lab playbooks/site.yml

echo
# 50-notify's counts (records/lab/50-notify.json); the lab relay's Maildir holds the messages.
python3 - records/lab/50-notify.json <<'PY'
import json, sys
try:
    data = json.load(open(sys.argv[1]))["data"]
except (OSError, KeyError, ValueError):
    print("== members told: 50-notify did not finish (see its output above)")
    sys.exit(0)
told = int(data["told"]) + int(data["already_told"])
print(f"== members told: {told} ({data['told']} in this run), {data['opted_out']} opted out, "
      f"{sum(int(n) for n in data['skipped'].values())} ineligible, "
      f"{int(data['refused_by_relay']) + int(data['sent_unknown'])} failed "
      "(messages in lab-acme:/var/mail/vhosts/example.org/all/)")
PY
echo
echo "== report: records/lab/report.md (and report.html)"
cat records/lab/report.md
