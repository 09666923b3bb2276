-- Which schema the run writes: psql variable `live`, read by every later file
-- (`:live.users` in plain SQL; the write functions put it first on their
-- search_path).
--
-- A real run writes Greenlight's own tables (public). A dry run (--check,
-- greenlight_data_dry_run) must not take a lock on them beyond what reading
-- needs, so it works on copies: the live tables are read once, from one
-- snapshot (the transaction is REPEATABLE READ, set by the stage file), into
-- greenlight_data_shadow, and the whole plan, write and verification runs
-- against those copies. The report then says what a real run would write.
-- The copies go with the transaction's rollback. Reading a live table takes
-- ACCESS SHARE, which blocks no reader and no writer of Greenlight.
\if :dry_run
\set live greenlight_data_shadow
CREATE SCHEMA greenlight_data_shadow;
CREATE FUNCTION greenlight_data_shadow.copy_live(tables text[]) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY tables LOOP
    -- Defaults (uuid ids), NOT NULLs and unique indexes as the live table has them;
    -- no foreign keys (the copies reference each other by value only).
    EXECUTE format('CREATE UNLOGGED TABLE greenlight_data_shadow.%I (LIKE public.%I INCLUDING ALL)', t, t);
    EXECUTE format('INSERT INTO greenlight_data_shadow.%I SELECT * FROM public.%I', t, t);
  END LOOP;
END $$;
SELECT greenlight_data_shadow.copy_live(ARRAY['users', 'roles', 'permissions', 'role_permissions', 'rooms',
  'meeting_options', 'room_meeting_options', 'rooms_configurations', 'shared_accesses', 'settings', 'site_settings',
  'recordings', 'formats']);
\else
\set live public
\endif
