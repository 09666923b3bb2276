"""What greenlight_data (and preflight) send to a Greenlight v2 database must run on PostgreSQL 9.5.

Greenlight v2's docker-compose.yml shipped postgres:9.5 for years, and the export runs there with the
psql of that container. 9.5 cannot be run here (Debian 12 has 15), so the SQL the role sends to a v2
source is rendered as the role renders it and searched for what 9.5 (server or psql) refuses. Facts
from PostgreSQL's release notes: ON CONFLICT, jsonb_build_object, to_jsonb, GROUPING SETS and
TABLESAMPLE are 9.5; string_agg is 9.0, row_to_json 9.2, json_agg 9.3; to_regclass came in 9.4 taking
a cstring (text from 9.6: only a literal works on both); CALL/PROCEDURE and INCLUDE indexes are 11;
GENERATED columns, COPY ... WHERE, [NOT] MATERIALIZED CTEs and jsonb_path_* are 12; gen_random_uuid()
without pgcrypto and FETCH FIRST ... WITH TIES are 13; psql's \\gexec is 9.6, \\if 10, \\warn 13.
"""
import re
import shlex
from pathlib import Path

import jinja2
import pytest
import yaml
from greenlight_data import GENERATION_SQL

ROLE = Path(__file__).resolve().parents[2] / "roles/greenlight_data"

# (what, pattern over SQL with its string literals and comments removed, first version with it)
NEWER_THAN_95 = [
    ("generated columns", r"\bGENERATED\s+(ALWAYS|BY\s+DEFAULT)\b", "10/12"),
    ("procedures", r"\b(CREATE\s+(OR\s+REPLACE\s+)?PROCEDURE|CALL\s+\w+\s*\()", "11"),
    ("covering indexes", r"\bINCLUDE\s*\(", "11"),
    ("jsonb_path_* functions", r"\bjsonb_path_\w+\s*\(", "12"),
    ("SQL/JSON path operators", r"@\?|@@\s*'\$", "12"),
    ("FETCH FIRST ... WITH TIES", r"\bWITH\s+TIES\b", "13"),
    ("[NOT] MATERIALIZED CTEs", r"\bAS\s+(NOT\s+)?MATERIALIZED\s*\(", "12"),
    ("COPY ... FROM ... WHERE", r"\bCOPY\b[^;]*\bFROM\b\s+(STDIN|'[^']*'|PROGRAM)[^;]*\bWHERE\b", "12"),
    ("gen_random_uuid() (core from 13, pgcrypto before)", r"\bgen_random_uuid\s*\(", "13"),
    ("jsonb_insert / num_nulls / num_nonnulls", r"\b(jsonb_insert|num_nulls|num_nonnulls)\s*\(", "9.6"),
    ("current_setting(name, missing_ok)", r"\bcurrent_setting\s*\([^)]*,", "9.6"),
    ("ADD COLUMN IF NOT EXISTS", r"\bADD\s+COLUMN\s+IF\s+NOT\s+EXISTS\b", "9.6"),
    ("websearch_to_tsquery", r"\bwebsearch_to_tsquery\s*\(", "11"),
    ("psql \\gexec", r"\\gexec\b", "psql 9.6"),
    ("psql \\if / \\elif / \\else / \\endif", r"\\(if|elif|else|endif)\b", "psql 10"),
    ("psql \\warn", r"\\warn\b", "psql 13"),
]


def without_literals_and_comments(sql):
    """``sql`` with its quoted strings emptied and its -- comments dropped (what the checks look at)."""
    sql = re.sub(r"E?'(?:[^'\\]|\\.|'')*'", "''", sql)
    return "\n".join(line.split("--", 1)[0] for line in sql.splitlines())


def pg95_problems(sql):
    """One message per feature of ``sql`` that PostgreSQL 9.5 (server or psql) does not have."""
    code = without_literals_and_comments(sql)
    problems = [f"{what} (PostgreSQL {version}): {m.group(0)!r}"
                for what, pattern, version in NEWER_THAN_95
                for m in [re.search(pattern, code, re.IGNORECASE)] if m]
    # to_regclass(cstring) in 9.4 and 9.5, (text) from 9.6: an untyped literal is the one argument both take.
    calls = len(re.findall(r"\bto_regclass\s*\(", sql, re.IGNORECASE))
    literal = len(re.findall(r"\bto_regclass\s*\(\s*'[^']*'\s*\)", sql, re.IGNORECASE))
    if calls != literal:
        problems.append("to_regclass() with a non-literal argument (cstring in 9.5, text from 9.6)")
    return problems


def render(template, **context):
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(ROLE / "templates"), trim_blocks=True,
                             undefined=jinja2.StrictUndefined)
    env.filters["quote"] = shlex.quote
    return env.get_template(template).render(**context)


def v2_context(access):
    text = (ROLE / "vars/main.yml").read_text()
    tables = yaml.safe_load(text[text.index("__greenlight_data_tables:"):text.index("__greenlight_data_source_tables:")])
    db = {"access": access, "container": "greenlight-db", "database": "greenlight_production", "user": "postgres",
          "host": "db", "port": 5432, "password": "x"}
    return {"__greenlight_data_source_generation": "v2",
            "__greenlight_data_source_tables": tables["__greenlight_data_tables"]["v2"],
            "greenlight_data_source_db": db,
            "__greenlight_data_run_dir": {"path": "/var/tmp/greenlight_data.x"},
            "__greenlight_data_source_psql": ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", db["database"]]}


def sent_to_a_v2_source():
    """Everything the role runs on a v2 source: the export command (with its SQL) for each access mode, and
    the generation query (validation; preflight's discovery too)."""
    sent = {f"export ({access})": render("export.sh.j2", **v2_context(access)) for access in ("docker", "local", "tcp")}
    sent["generation query"] = GENERATION_SQL
    return sent


def test_what_is_sent_to_a_v2_source_is_the_export_and_the_generation_query():
    """The extraction really holds the SQL: a COPY of every v2 table the migration reads."""
    sent = sent_to_a_v2_source()
    tables = v2_context("local")["__greenlight_data_source_tables"]
    for name, text in sent.items():
        if name.startswith("export"):
            for table in tables:
                assert f"FROM {table} ORDER BY id) TO STDOUT;" in text, (name, table)
            assert "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY;" in text
    assert "to_regclass(" in sent["generation query"]


@pytest.mark.parametrize("name", sorted(sent_to_a_v2_source()))
def test_only_sql_postgresql_95_accepts_is_sent_to_a_v2_source(name):
    assert pg95_problems(sent_to_a_v2_source()[name]) == []


@pytest.mark.parametrize("sql", [
    "CREATE TABLE t (a int, b int GENERATED ALWAYS AS (a * 2) STORED);",
    "CALL refresh_rooms();",
    "CREATE INDEX ON users (email) INCLUDE (name);",
    "SELECT jsonb_path_query(doc, '$.a') FROM t;",
    "SELECT * FROM users ORDER BY id FETCH FIRST 3 ROWS WITH TIES;",
    "WITH x AS MATERIALIZED (SELECT 1) SELECT * FROM x;",
    "WITH x AS NOT MATERIALIZED (SELECT 1) SELECT * FROM x;",
    "COPY users FROM STDIN WHERE id > 3;",
    "SELECT gen_random_uuid();",
    "SELECT num_nonnulls(a, b) FROM t;",
    "SELECT current_setting('x.y', true);",
    "\\if :dry_run\nSELECT 1;\n\\endif",
    "SELECT 'x' AS q \\gexec",
    "SELECT to_regclass('public.' || 'users');",
    "SELECT to_regclass('public.users'::text);",
])
def test_the_check_refuses_each_feature_newer_than_95(sql):
    assert pg95_problems(sql), sql


@pytest.mark.parametrize("sql", [
    "INSERT INTO t VALUES (1) ON CONFLICT DO NOTHING;",
    "SELECT jsonb_build_object('a', 1), to_jsonb(t), row_to_json(t), json_agg(t) FROM t;",
    "SELECT string_agg(name, ',' ORDER BY id) FROM users;",
    "SELECT to_regclass('public.users');",
    "SELECT 'WITH TIES, GENERATED ALWAYS, \\if' AS text_only; -- CALL x() in a comment",
    "COPY (SELECT id FROM users WHERE id > 3) TO STDOUT;",
])
def test_the_check_accepts_what_95_has(sql):
    assert pg95_problems(sql) == []
