"""Greenlight v3's compose stack on the host: the three services of upstream's
compose file, Greenlight answering through nginx over TLS, the database as
greenlight_data's `docker` access reaches it, the first administrator as
Greenlight would have saved it, and secrets that stay put and out of sight."""
import importlib.util
import json
import re
import uuid
from pathlib import Path

import pytest
import testinfra
import yaml
from bbbmig_testing import REPO, container_sh, playbook_env, run_playbook

ROLE_DIR = Path(__file__).resolve().parents[3]
NAME = "greenlight-host"
HOST = testinfra.get_host(f"docker://{NAME}")
INVENTORY = yaml.safe_load((ROLE_DIR / "molecule/default/molecule.yml").read_text())["provisioner"]["inventory"]
VARS = INVENTORY["host_vars"][NAME]
PUBLIC = VARS["bbbmig_public_hostname"]
CERT = f"/etc/letsencrypt/live/{PUBLIC}/fullchain.pem"


def greenlight_data_target():
    """The target database as greenlight_data reaches it by default (its defaults and its psql argv)."""
    spec = importlib.util.spec_from_file_location("gd", REPO / "filter_plugins/greenlight_data.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    defaults = (REPO / "roles/greenlight_data/defaults/main.yml").read_text()
    db = {"access": "docker", "container": re.search(r"'container': '([^']+)'", defaults.split("greenlight_data_target_db")[1]).group(1),
          "database": "greenlight-v3-production", "user": "postgres"}
    assert db["container"] == "postgres"
    return module.greenlight_psql_argv(db)


PSQL = greenlight_data_target()


def sql(query):
    """Run ``query`` in the database exactly as greenlight_data's docker access does (from the host)."""
    argv = " ".join(f"'{a}'" for a in PSQL + ["-t", "-A", "-F", "|"])
    return container_sh(NAME, f"{argv} <<'SQL'\n{query}\nSQL").strip()


def https(path):
    """GET ``path`` from nginx on the host by the public name, checking its certificate."""
    out = HOST.run(f"curl -sS -o /tmp/body -w '%{{http_code}}' --cacert {CERT} "
                   f"--resolve {PUBLIC}:443:127.0.0.1 'https://{PUBLIC}{path}'; echo; cat /tmp/body")
    assert out.rc == 0, out.stderr
    code, _, body = out.stdout.partition("\n")
    return int(code), body


def env_file():
    return dict(line.split("=", 1) for line in HOST.file("/opt/greenlight-v3/.env").content_string.splitlines()
                if re.match(r"^[A-Z_]+=", line))


def test_the_three_services_run_under_upstreams_names():
    out = HOST.check_output("docker compose -f /opt/greenlight-v3/docker-compose.yml ps --all --format json")
    rows = [json.loads(line) for line in out.splitlines() if line.strip()]
    rows = rows[0] if len(rows) == 1 and isinstance(rows[0], list) else rows
    state = {row["Service"]: (row["Name"], row["State"]) for row in rows}
    assert state == {"postgres": ("postgres", "running"), "redis": ("redis", "running"),
                     "greenlight-v3": ("greenlight-v3", "running")}
    images = HOST.check_output("docker inspect -f '{{.Config.Image}}' postgres redis greenlight-v3").split()
    assert images == [f"greenlight-registry:5000/{VARS['greenlight_images'][k]}" for k in ("postgres", "redis", "greenlight")]
    assert HOST.check_output("docker port greenlight-v3 3000/tcp") == "127.0.0.1:5050"


def test_health_check_answers_success_through_nginx_over_tls():
    assert https("/health_check") == (200, "success")
    assert HOST.run("curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1/health_check -H 'Host: "
                    f"{PUBLIC}'").stdout == "301"


def test_health_check_fails_while_redis_is_down():
    HOST.check_output("docker stop redis")
    try:
        code, body = https("/health_check")
        assert (code, body.startswith("Unable to connect to Redis")) == (500, True), body
    finally:
        HOST.check_output("docker start redis")
    assert https("/health_check") == (200, "success")


def test_the_database_holds_the_v3_schema_and_its_seeds():
    assert sql("SELECT count(*) FROM schema_migrations WHERE version = '20260402000000'") == "1"
    assert sql("SELECT string_agg(name, ',' ORDER BY name) FROM roles WHERE provider = 'greenlight'") == \
        "Administrator,Guest,User"
    assert sql("SELECT count(*) FROM site_settings WHERE provider = 'greenlight'") == "20"
    assert sql("SELECT count(*) FROM rooms_configurations") == "10"


def test_a_room_is_served_by_the_public_room_api_and_its_join_page_loads():
    friendly_id = f"tst-{uuid.uuid4().hex[:3]}-{uuid.uuid4().hex[:3]}-{uuid.uuid4().hex[:3]}"
    name = f"Lab room {friendly_id}"
    sql("INSERT INTO rooms (user_id, name, friendly_id, meeting_id, created_at, updated_at) "
        f"SELECT id, '{name}', '{friendly_id}', '{uuid.uuid4().hex}', now(), now() FROM users "
        "WHERE provider = 'greenlight' ORDER BY created_at LIMIT 1")
    code, body = https(f"/api/v1/rooms/{friendly_id}/public.json")
    assert code == 200 and json.loads(body)["data"]["name"] == name, body
    assert https("/api/v1/rooms/no-such-room-here/public.json")[0] == 404
    code, body = https(f"/rooms/{friendly_id}/join")  # v3's single-page application, whatever the id
    assert code == 200 and '<div id="root"></div>' in body, body


def test_the_first_administrator_is_what_rake_admin_create_saves():
    admin = VARS["greenlight_admin"]
    row = sql("SELECT u.name, u.provider, r.name, r.provider, u.verified, u.status, u.language, "
              "u.password_digest LIKE '$2a$12$%', "
              f"u.password_digest = crypt('{admin['password']}', u.password_digest), "
              "u.session_token ~ '^[0-9a-f]{64}$', u.session_expiry > now() AT TIME ZONE 'UTC' "
              f"FROM users u JOIN roles r ON r.id = u.role_id WHERE u.email = '{admin['email']}'")
    assert row == f"{admin['name']}|greenlight|Administrator|greenlight|t|0|en|t|t|t|t"


def test_the_environment_file_is_private():
    env = HOST.file("/opt/greenlight-v3/.env")
    assert (env.user, env.group, env.mode) == ("root", "root", 0o600)
    values = env_file()
    assert re.fullmatch(r"[0-9a-f]{128}", values["SECRET_KEY_BASE"])
    assert values["DATABASE_URL"] == (f"postgres://postgres:{values['POSTGRES_PASSWORD']}@postgres:5432/"
                                      "greenlight-v3-production")
    assert values["BBB_HEALTH_CHECK_DISABLED"] == "true" and values["SMTP_HEALTH_CHECK_DISABLED"] == "true"


def test_nginx_site_is_the_roles_own_file():
    conf = HOST.file("/etc/nginx/conf.d/bbbmig-greenlight.conf")
    assert (conf.user, conf.mode) == ("root", 0o644)
    assert f"server_name {PUBLIC};" in conf.content_string
    assert HOST.run("nginx -t").rc == 0


@pytest.fixture(scope="module")
def rerun(tmp_path_factory):
    before = env_file()
    hostvars = dict(VARS, ansible_connection="community.docker.docker", ansible_python_interpreter="/usr/bin/python3")
    inventory = {"all": {"children": {"target_greenlight": {"hosts": {NAME: hostvars}}}}}
    result = run_playbook(tmp_path_factory.mktemp("rerun"), inventory, ROLE_DIR / "molecule/default/converge.yml",
                          ["-v", "--diff"], env=playbook_env(), timeout=600)
    return before, result, env_file()


def test_secrets_are_kept_across_runs_and_never_printed(rerun):
    before, result, after = rerun
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "changed=0" in output, output
    assert after["SECRET_KEY_BASE"] == before["SECRET_KEY_BASE"]
    assert after["POSTGRES_PASSWORD"] == before["POSTGRES_PASSWORD"]
    for secret in (before["SECRET_KEY_BASE"], before["POSTGRES_PASSWORD"], VARS["greenlight_bbb_secret"],
                   VARS["greenlight_admin"]["password"]):
        assert secret not in output
    # The database still accepts the kept password (it is set only when the cluster is first made).
    assert container_sh(NAME, "docker exec -e PGPASSWORD=\"$(sed -n 's/^POSTGRES_PASSWORD=//p' /opt/greenlight-v3/.env)\" "
                              "postgres psql -h 127.0.0.1 -U postgres -d greenlight-v3-production -tAc 'SELECT 1'").strip() == "1"
