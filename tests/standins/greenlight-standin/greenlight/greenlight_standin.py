#!/usr/bin/python3
"""greenlight-standin: the outside of a Greenlight v3 container, for tests.

What it shares with bigbluebutton/greenlight v3 (bin/start, config/*.rb,
HealthChecksController): the environment it reads (DATABASE_URL, REDIS_URL,
SECRET_KEY_BASE, BIGBLUEBUTTON_ENDPOINT, BIGBLUEBUTTON_SECRET, SMTP_*,
*_HEALTH_CHECK_DISABLED, PORT), the start-up (wait for PostgreSQL and Redis,
create the database named in DATABASE_URL, load the schema and the data
migrations' rows when the database is empty), port 3000, and two answers:

  GET /health_check           200 "success" when the database answers with no
                              pending migration, Redis answers PING, and the
                              SMTP server and BBB answer (each unless its
                              *_HEALTH_CHECK_DISABLED=true); else 500 and why.
  GET /rooms/<friendly_id>/join (and any other page)
                              the single-page application's shell, 200
                              whatever the id, as v3's frontend routes are;
  GET /api/v1/rooms/<friendly_id>/public(.json)
                              the room as PublicRoomSerializer renders it
                              ({"data": {name, friendly_id, owner_name, ...}}),
                              404 {"errors": ["RecordNotFound"]} when no room
                              of a `greenlight` account has that friendly_id.

The schema and the rows are tests/greenlight/schema-v3.sql and seed-v3.sql,
copied into the image.
"""
import hashlib
import json
import os
import re
import smtplib
import socket
import sys
import time
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import psycopg2
import redis

SQL_DIR = os.environ.get("GREENLIGHT_STANDIN_SQL", "/usr/share/greenlight-standin")
# The schema version db/schema.rb declares: the last migration must be recorded.
SCHEMA_VERSION = "20260402000000"
PUBLIC_ROOM = re.compile(r"^/api/v1/rooms/([^/]+)/public(?:\.json)?$")
SPA_SHELL = ("<!DOCTYPE html>\n<html><head><title>Greenlight</title></head>"
             "<body><div id=\"root\"></div></body></html>\n")
REQUIRED = ("SECRET_KEY_BASE", "DATABASE_URL", "REDIS_URL")


def log(message):
    print(message, file=sys.stderr, flush=True)


def db_address(url):
    parts = urllib.parse.urlsplit(url)
    return parts.hostname, parts.port or 5432, urllib.parse.unquote(parts.path.lstrip("/"))


def redis_address(url):
    parts = urllib.parse.urlsplit(url)
    return parts.hostname, parts.port or 6379


def wait_for(host, port, what):
    while True:
        try:
            with socket.create_connection((host, port), timeout=3):
                return
        except OSError:
            log(f"Waiting for {what} to start up ...")
            time.sleep(1)


def connect(database=None):
    url = os.environ["DATABASE_URL"]
    if database is None:
        return psycopg2.connect(url, connect_timeout=5)
    parts = urllib.parse.urlsplit(url)
    return psycopg2.connect(urllib.parse.urlunsplit(parts._replace(path="/" + database)), connect_timeout=5)


def prepare_database():
    """rails db:create, then db:migrate:with_data on an empty database."""
    _, _, name = db_address(os.environ["DATABASE_URL"])
    while True:
        try:
            admin = connect("postgres")
            break
        except psycopg2.OperationalError as error:
            log(f"Waiting for postgres to accept connections ... ({str(error).strip()})")
            time.sleep(1)
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
        if cur.fetchone() is None:
            cur.execute(f'CREATE DATABASE "{name}"')
            log(f"Created database '{name}'")
    admin.close()
    conn = connect()
    with conn, conn.cursor() as cur:
        cur.execute("SELECT to_regclass('public.schema_migrations') IS NOT NULL")
        if not cur.fetchone()[0]:
            for script in ("schema-v3.sql", "seed-v3.sql"):
                with open(os.path.join(SQL_DIR, script), encoding="utf-8") as handle:
                    cur.execute(handle.read())
            log("Loaded the v3 schema and the data migrations")
    conn.close()


def check_database():
    try:
        conn = connect()
        try:
            with conn.cursor() as cur:
                cur.execute("SELECT 1 FROM schema_migrations WHERE version = %s", (SCHEMA_VERSION,))
                if cur.fetchone() is None:
                    raise RuntimeError("pending migrations")
        finally:
            conn.close()
    except Exception as error:  # noqa: BLE001 - the answer names whatever went wrong
        raise RuntimeError(f"Unable to connect to Database - {str(error).strip()}") from error


def check_redis():
    try:
        redis.Redis.from_url(os.environ["REDIS_URL"], socket_timeout=3, socket_connect_timeout=3).ping()
    except Exception as error:  # noqa: BLE001
        raise RuntimeError(f"Unable to connect to Redis - {error}") from error


def check_smtp():
    try:
        server = smtplib.SMTP(os.environ.get("SMTP_SERVER") or "localhost",
                              int(os.environ.get("SMTP_PORT") or 25), timeout=5)
        server.quit()
    except Exception as error:  # noqa: BLE001
        raise RuntimeError(f"Unable to connect to SMTP Server - {error}") from error


def check_bbb():
    endpoint = os.environ.get("BIGBLUEBUTTON_ENDPOINT", "")
    checksum = hashlib.sha1(f"isMeetingRunningmeetingID=0{os.environ.get('BIGBLUEBUTTON_SECRET', '')}"
                            .encode()).hexdigest()
    try:
        with urllib.request.urlopen(f"{endpoint}isMeetingRunning?meetingID=0&checksum={checksum}",
                                    timeout=5) as answer:
            body = answer.read().decode(errors="replace")
        if "<returncode>SUCCESS</returncode>" not in body:
            raise RuntimeError(body)
    except Exception as error:  # noqa: BLE001
        raise RuntimeError(f"Unable to connect to BigBlueButton - {error}") from error


def disabled(name):
    return os.environ.get(f"{name}_HEALTH_CHECK_DISABLED", "false") == "true"


def health():
    for name, check in (("DATABASE", check_database), ("REDIS", check_redis),
                        ("SMTP", check_smtp), ("BBB", check_bbb)):
        if not disabled(name):
            check()


def public_room(friendly_id):
    """The room's public fields, or None (v3 finds rooms of the request's provider only)."""
    conn = connect()
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT r.name, r.friendly_id, u.name, u.id FROM rooms r JOIN users u ON u.id = r.user_id"
                        " WHERE r.friendly_id = %s AND u.provider = 'greenlight'", (friendly_id,))
            row = cur.fetchone()
            if not row:
                return None
            cur.execute("SELECT s.user_id FROM shared_accesses s JOIN rooms r ON r.id = s.room_id"
                        " WHERE r.friendly_id = %s ORDER BY s.user_id", (friendly_id,))
            shared = [str(r[0]) for r in cur.fetchall()]
    finally:
        conn.close()
    return {"name": row[0], "friendly_id": row[1], "owner_name": row[2], "owner_id": str(row[3]),
            "owner_avatar": None, "shared_user_ids": shared}


class Handler(BaseHTTPRequestHandler):
    server_version = "greenlight-standin"

    def answer(self, status, body, content_type="text/plain; charset=utf-8"):
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):  # noqa: N802 - the name http.server calls
        path = urllib.parse.urlsplit(self.path).path
        if path == "/health_check":
            try:
                health()
            except RuntimeError as error:
                log(f"Health check failed: {error}")
                self.answer(500, str(error))
                return
            self.answer(200, "success")
            return
        match = PUBLIC_ROOM.match(path)
        if match:
            room = public_room(urllib.parse.unquote(match.group(1)))
            if room is None:
                self.answer(404, json.dumps({"errors": ["RecordNotFound"]}), "application/json; charset=utf-8")
                return
            self.answer(200, json.dumps({"data": room}), "application/json; charset=utf-8")
            return
        if path.startswith("/api/"):
            self.answer(404, json.dumps({"errors": ["RecordNotFound"]}), "application/json; charset=utf-8")
            return
        self.answer(200, SPA_SHELL, "text/html; charset=utf-8")

    def log_message(self, format, *args):  # noqa: A002 - http.server's signature
        log(f"{self.address_string()} {format % args}")


def main():
    missing = [name for name in REQUIRED if not os.environ.get(name)]
    if missing:
        log(f"greenlight-standin: {', '.join(missing)} not set")
        return 1
    port = int(os.environ.get("PORT") or 3000)
    log(f"Greenlight-v3 starting on port: {port}")
    wait_for(*db_address(os.environ["DATABASE_URL"])[:2], "postgres")
    wait_for(*redis_address(os.environ["REDIS_URL"]), "redis")
    prepare_database()
    ThreadingHTTPServer(("0.0.0.0", port), Handler).serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
