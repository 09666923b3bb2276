"""What the member_export tests share: the result the converge saved, the archives as
bytes read from the web host, the source database asked directly."""
import io
import json
import os
import subprocess
import tarfile
import zipfile
from pathlib import Path

import pytest

GL = "member_export-gl"
WEB = "member_export-web"
DIR = "/srv/bbbmig-member-export"


def docker_bytes(container, *argv):
    return subprocess.run(["docker", "exec", container, *argv], capture_output=True, check=True).stdout


def psql_json(sql, database="greenlight_production"):
    """A query's single JSON answer from the source database (or another on that host)."""
    out = docker_bytes(GL, "runuser", "-u", "postgres", "--", "psql", "-X", "-tA", "-d", database,
                       "-c", sql)
    return json.loads(out.decode())


def archive_files(data):
    """{name: bytes} of a zip or tar.gz archive."""
    if data[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return {name: archive.read(name) for name in archive.namelist()}
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
        return {m.name: archive.extractfile(m).read() for m in archive.getmembers() if m.isfile()}


@pytest.fixture(scope="session")
def result():
    facts = Path(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"]) / f"{WEB}.facts.json"
    return json.loads(facts.read_text())["member_export_test_link_result"]


@pytest.fixture(scope="session")
def archives(result):
    """{email: {name: bytes}} of every archive in the web root."""
    return {email: archive_files(docker_bytes(WEB, "cat", f"{DIR}/{entry['file']}"))
            for email, entry in result["members"].items()}


@pytest.fixture(scope="session")
def directory_result():
    facts = Path(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"]) / f"{WEB}.facts.json"
    return json.loads(facts.read_text())["member_export_test_directory_result"]


@pytest.fixture(scope="session")
def v3_result():
    facts = Path(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"]) / f"{WEB}.facts.json"
    return json.loads(facts.read_text())["member_export_result"]
