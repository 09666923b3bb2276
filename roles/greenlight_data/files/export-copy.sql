-- Exports the tables of export_tables (set by export-v2.sql or
-- export-v3.sql, which precede this file on psql's input) from one snapshot
-- (REPEATABLE READ READ ONLY: the snapshot pg_dump takes, with the COPY it
-- uses), written as a psql load script: a COPY block per table into
-- unqualified table names (the import points them at its staging schema,
-- which pg_restore cannot do), then a manifest of row counts and digests
-- that the import checks after loading (transfer.sql). Reads only.
\set ON_ERROR_STOP 1
SET DateStyle = 'ISO, YMD';
SET TimeZone = 'UTC';
BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY;
-- Print bare values: the header and end lines of each COPY block.
\pset tuples_only on
\pset format unaligned
SELECT format('SELECT %L', format('COPY %s ( %s ) FROM stdin;', t ->> 0, t ->> 1)),
       format('COPY (SELECT %s FROM %I ORDER BY id) TO STDOUT', t ->> 1, t ->> 0),
       'SELECT ''\.'''
  FROM json_array_elements(:'export_tables'::json) t \gexec
SELECT 'COPY manifest (tbl, n, digest) FROM stdin;';
SELECT format('COPY (SELECT %L, count(*), md5(coalesce(string_agg(t::text, E''\n'' ORDER BY t.id), '''')) '
              'FROM (SELECT %s FROM %I) t) TO STDOUT', t ->> 0, t ->> 1, t ->> 0)
  FROM json_array_elements(:'export_tables'::json) t \gexec
SELECT '\.';
COMMIT;
