-- Follows the export's COPY blocks and bulk-load.sql, inside the transaction
-- stage.sql opened: the run's bookkeeping tables, then the transfer check.
-- Then plan-v2.sql or plan-v3.sql, plan.sql (and plan-v3-recordings.sql)
-- plan, apply.sql (and apply-v3.sql) write, verify.sql verifies and
-- report.sql prints the report and commits or rolls back (dry run, problems,
-- mismatches). tasks/import.yml lists the files (vars/main.yml).
--
-- psql variables: staged_tables (set by stage-v2.sql or stage-v3.sql).
\set ON_ERROR_STOP 1
INSERT INTO pg_temp.greenlight_data_clock VALUES ('loaded', clock_timestamp());
CREATE TABLE report (section text, entity text, reason text, n bigint);
CREATE TABLE problems (message text);
CREATE TABLE mismatches (entity text, key text, issue text);
CREATE TABLE bulk_loaded (tbl text);
-- Entries of the report's objects that only one generation has, in order
-- (section: skipped, verification, or top for a top-level key).
CREATE TABLE report_parts (section text, ord int, key text, value json);

-- 1. The transfer: the staging tables hold what the source snapshot held
-- (the manifest's digest, computed the same way on the staged rows).
CREATE FUNCTION staged_digest(tbl text, OUT n bigint, OUT digest text)
LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE format('SELECT count(*), md5(coalesce(string_agg(t::text, E''\n'' ORDER BY t.id), '''')) '
                 'FROM greenlight_data_staging.%I t', tbl) INTO n, digest;
END $$;
INSERT INTO mismatches
SELECT 'transfer', tbl, format('source had %s rows (digest %s), staging holds %s (digest %s)', m.n, m.digest, s.n, s.digest)
  FROM manifest m FULL JOIN (
       SELECT st.tbl, d.n, d.digest FROM unnest(:'staged_tables'::text[]) AS st(tbl), staged_digest(st.tbl) d
  ) s USING (tbl)
 WHERE (m.n, m.digest) IS DISTINCT FROM (s.n, s.digest);
INSERT INTO problems SELECT 'The export did not arrive whole: ' || string_agg(key, ', ') || ' differ. Run again.'
  FROM mismatches WHERE entity = 'transfer' HAVING count(*) > 0;
