-- Bulk loading a live table inside the run's transaction, the way pg_restore
-- loads one: set the table's indexes and foreign keys aside, insert, then
-- build them again from their saved definitions. Building an index by one
-- sort is many times faster than maintaining it row by row (random uuid keys
-- touch a different page for every row), and re-adding a foreign key checks
-- every row with one query instead of one trigger call a row.
--
-- Everything happens in the run's one transaction: an interruption or a
-- rollback leaves the table, its indexes and its constraints exactly as they
-- were. Setting the indexes aside takes an ACCESS EXCLUSIVE lock on the table
-- until the commit, so the transforms only do it when a run adds many rows
-- (psql variable bulk_load_rows; see the role's README).
--
-- Constraints that another table's foreign key depends on (a primary key that
-- is referenced) stay in place. Definitions are read and replayed with an
-- empty search_path, so every name in them is schema-qualified and cannot
-- resolve to a staging table of the same name.

CREATE TABLE bulk_load_saved (tbl regclass, ord int, name text, ddl text);

CREATE FUNCTION bulk_load_begin(tbl regclass) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog AS $$
DECLARE
  c record;
BEGIN
  INSERT INTO greenlight_data_staging.bulk_load_saved
  SELECT tbl, CASE contype WHEN 'f' THEN 3 ELSE 1 END, conname,
         format('ALTER TABLE %s ADD CONSTRAINT %I %s', tbl, conname, pg_get_constraintdef(oid))
    FROM pg_constraint
   WHERE conrelid = tbl AND contype IN ('p', 'u', 'f')
     AND NOT EXISTS (SELECT 1 FROM pg_constraint r WHERE r.contype = 'f' AND r.conindid = pg_constraint.conindid
                                                     AND r.confrelid = tbl AND pg_constraint.contype <> 'f');
  INSERT INTO greenlight_data_staging.bulk_load_saved
  SELECT tbl, 2, i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
    FROM pg_index i
   WHERE i.indrelid = tbl
     AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid AND k.conrelid = tbl);
  FOR c IN SELECT name, ord FROM greenlight_data_staging.bulk_load_saved WHERE bulk_load_saved.tbl = bulk_load_begin.tbl
            ORDER BY ord DESC LOOP
    IF c.ord = 2 THEN
      EXECUTE format('DROP INDEX %s', c.name);
    ELSE
      EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', tbl, c.name);
    END IF;
  END LOOP;
END $$;

CREATE FUNCTION bulk_load_end(tbl regclass) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog AS $$
DECLARE
  c record;
BEGIN
  FOR c IN SELECT ddl FROM greenlight_data_staging.bulk_load_saved WHERE bulk_load_saved.tbl = bulk_load_end.tbl
            ORDER BY ord, name LOOP
    EXECUTE c.ddl;
  END LOOP;
  DELETE FROM greenlight_data_staging.bulk_load_saved WHERE bulk_load_saved.tbl = bulk_load_end.tbl;
  EXECUTE format('ANALYZE %s', tbl);
END $$;
