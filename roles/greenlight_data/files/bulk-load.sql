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
-- until the commit, so bulk_load_begin only does it when a run adds many rows:
-- at least min_rows (psql variable bulk_load_rows; 0 = never) and at least a
-- quarter of what the table holds, as a first migration does. Otherwise the
-- table is written row by row with its indexes in place. The writes in
-- between are plain INSERTs (no ON CONFLICT, which needs the unique index):
-- the writes insert only rows whose natural key the table lacks, under a
-- lock that keeps other writers out.
--
-- Constraints that another table's foreign key depends on (a primary key that
-- is referenced) stay in place. Definitions are read and replayed with an
-- empty search_path, so every name in them is schema-qualified and cannot
-- resolve to a staging table of the same name.

-- The tables this run loaded in bulk, for the report.
CREATE UNLOGGED TABLE bulk_loaded (tbl text);
CREATE UNLOGGED TABLE bulk_load_saved (tbl regclass, ord int, name text, ddl text);

CREATE FUNCTION bulk_load_begin(tbl regclass, new_rows bigint, min_rows bigint) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog AS $$
DECLARE
  c record;
  held bigint;
BEGIN
  IF min_rows <= 0 OR new_rows < min_rows THEN
    RETURN;
  END IF;
  EXECUTE format('SELECT count(*) FROM %s', tbl) INTO held;
  IF new_rows * 4 < held THEN
    RETURN;
  END IF;
  INSERT INTO greenlight_data_staging.bulk_loaded
  SELECT relname FROM pg_class WHERE oid = tbl;
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
-- Index builds sort in memory up to maintenance_work_mem: give them room.
LANGUAGE plpgsql SET search_path = pg_catalog SET maintenance_work_mem = '256MB' AS $$
DECLARE
  c record;
BEGIN
  IF NOT EXISTS (SELECT 1 FROM greenlight_data_staging.bulk_load_saved WHERE bulk_load_saved.tbl = bulk_load_end.tbl) THEN
    RETURN;  -- written row by row
  END IF;
  FOR c IN SELECT ddl FROM greenlight_data_staging.bulk_load_saved WHERE bulk_load_saved.tbl = bulk_load_end.tbl
            ORDER BY ord, name LOOP
    EXECUTE c.ddl;
  END LOOP;
  DELETE FROM greenlight_data_staging.bulk_load_saved WHERE bulk_load_saved.tbl = bulk_load_end.tbl;
  EXECUTE format('ANALYZE %s', tbl);
END $$;
