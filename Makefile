# Entry points. Every target does its own set-up first (`setup` is cheap when
# already done), so each works on a fresh Debian 12 machine as root.
SHELL := /bin/bash
VENV := $(CURDIR)/.venv
export PATH := $(VENV)/bin:$(PATH)
export ANSIBLE_CONFIG := $(CURDIR)/ansible.cfg

.PHONY: help setup test unit lint molecule demo bench bench-recordings bench-members status clean

help:
	@echo "make demo      set up, bring up the lab platform and run a whole migration, start to report"
	@echo "make test      set up, then unit tests, lint and every Molecule scenario"
	@echo "make setup     .venv, Docker engine, local test image (idempotent)"
	@echo "make unit | lint | molecule [SCENARIOS='roles/preflight molecule/migration']"
	@echo "make status    each phase of the record and the next one to run [INVENTORY=inventories/lab]"
	@echo "make bench     benchmarks (ratios against plain tools, not tests); one: make bench-recordings | bench-members"

setup:
	@scripts/setup.sh

# The last line printed is Molecule's "molecule: N passed, N failed".
test:
	@export BBBMIG_TEST_START=$$(date +%s); scripts/setup.sh && $(MAKE) --no-print-directory unit lint molecule

unit:
	@echo "==== unit tests"
	@pytest -q -p no:cacheprovider -n auto tests/unit; rc=$$?; [ $$rc -eq 5 ] && { echo "no unit tests collected"; exit 0; }; exit $$rc

lint:
	@echo "==== yamllint"
	@yamllint --strict .
	@echo "==== ansible-lint (profile production, offline)"
	@ansible-lint --offline --profile production

molecule:
	@echo "==== molecule"
	@tests/run-molecule.sh $(SCENARIOS)

demo: setup
	@scripts/demo.sh

bench: setup
	@scripts/bench.sh $(BENCH)

bench-recordings bench-members: setup
	@scripts/bench.sh $(@:bench-%=%)

# Reads the record only (on the controller): changes nothing.
status:
	@ansible-playbook -i $(or $(INVENTORY),inventories/lab) playbooks/status.yml

clean:
	@PATH=$(VENV)/bin:$$PATH molecule destroy -s migration >/dev/null 2>&1 || true
	@rm -rf .cache
