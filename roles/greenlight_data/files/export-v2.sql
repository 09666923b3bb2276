-- Export of the Greenlight v2 tables the migration reads, from one snapshot
-- (REPEATABLE READ READ ONLY: the snapshot pg_dump takes, with the COPY it
-- uses), written as a psql load script: a COPY block per table into
-- unqualified table names (the import points them at its staging schema,
-- which pg_restore cannot do), then a manifest of row counts and digests
-- that the import checks after loading. Reads only.
\set ON_ERROR_STOP 1
SET DateStyle = 'ISO, YMD';
SET TimeZone = 'UTC';
BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY;
\set users_cols 'id, provider, name, email, social_uid, password_digest, email_verified, language, deleted, role_id, last_login, activated_at, created_at, updated_at'
\set rooms_cols 'id, user_id, name, uid, bbb_id, last_session, room_settings, access_code, moderator_access_code, deleted, created_at, updated_at'
\set shared_accesses_cols 'id, room_id, user_id, created_at, updated_at'
\set roles_cols 'id, name, provider, colour, created_at, updated_at'
\set role_permissions_cols 'id, role_id, name, value, enabled'
\set settings_cols 'id, provider'
\set features_cols 'id, setting_id, name, value, enabled'
\qecho COPY users ( :users_cols ) FROM stdin;
COPY (SELECT :users_cols FROM users ORDER BY id) TO STDOUT;
\qecho '\\.'
\qecho COPY rooms ( :rooms_cols ) FROM stdin;
COPY (SELECT :rooms_cols FROM rooms ORDER BY id) TO STDOUT;
\qecho '\\.'
\qecho COPY shared_accesses ( :shared_accesses_cols ) FROM stdin;
COPY (SELECT :shared_accesses_cols FROM shared_accesses ORDER BY id) TO STDOUT;
\qecho '\\.'
\qecho COPY roles ( :roles_cols ) FROM stdin;
COPY (SELECT :roles_cols FROM roles ORDER BY id) TO STDOUT;
\qecho '\\.'
\qecho COPY role_permissions ( :role_permissions_cols ) FROM stdin;
COPY (SELECT :role_permissions_cols FROM role_permissions ORDER BY id) TO STDOUT;
\qecho '\\.'
\qecho COPY settings ( :settings_cols ) FROM stdin;
COPY (SELECT :settings_cols FROM settings ORDER BY id) TO STDOUT;
\qecho '\\.'
\qecho COPY features ( :features_cols ) FROM stdin;
COPY (SELECT :features_cols FROM features ORDER BY id) TO STDOUT;
\qecho '\\.'
\qecho COPY manifest (tbl, n, digest) FROM stdin;
COPY (
  SELECT 'users', count(*), md5(coalesce(string_agg(t::text, E'\n' ORDER BY t.id), '')) FROM (SELECT :users_cols FROM users) t
  UNION ALL SELECT 'rooms', count(*), md5(coalesce(string_agg(t::text, E'\n' ORDER BY t.id), '')) FROM (SELECT :rooms_cols FROM rooms) t
  UNION ALL SELECT 'shared_accesses', count(*), md5(coalesce(string_agg(t::text, E'\n' ORDER BY t.id), '')) FROM (SELECT :shared_accesses_cols FROM shared_accesses) t
  UNION ALL SELECT 'roles', count(*), md5(coalesce(string_agg(t::text, E'\n' ORDER BY t.id), '')) FROM (SELECT :roles_cols FROM roles) t
  UNION ALL SELECT 'role_permissions', count(*), md5(coalesce(string_agg(t::text, E'\n' ORDER BY t.id), '')) FROM (SELECT :role_permissions_cols FROM role_permissions) t
  UNION ALL SELECT 'settings', count(*), md5(coalesce(string_agg(t::text, E'\n' ORDER BY t.id), '')) FROM (SELECT :settings_cols FROM settings) t
  UNION ALL SELECT 'features', count(*), md5(coalesce(string_agg(t::text, E'\n' ORDER BY t.id), '')) FROM (SELECT :features_cols FROM features) t
) TO STDOUT;
\qecho '\\.'
COMMIT;
