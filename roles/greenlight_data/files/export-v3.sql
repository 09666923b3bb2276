-- Export of the Greenlight v3 tables the v3_to_v3 migration reads, from one
-- snapshot (REPEATABLE READ READ ONLY: the snapshot pg_dump takes, with the
-- COPY it uses), written as a psql load script: a COPY block per table into
-- unqualified table names (the import points them at its staging schema),
-- then a manifest of row counts and digests that the import checks after
-- loading. Ids are exported only to join the rows of the snapshot: the
-- target keeps its own. Sessions, reset and verification digests are not
-- exported. Reads only.
\set ON_ERROR_STOP 1
SET DateStyle = 'ISO, YMD';
SET TimeZone = 'UTC';
BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY;
\set users_cols 'id, name, email, external_id, provider, password_digest, last_login, role_id, language, verified, status, created_at, updated_at'
\set roles_cols 'id, name, color, provider, created_at, updated_at'
\set permissions_cols 'id, name'
\set role_permissions_cols 'id, role_id, permission_id, value, created_at, updated_at'
\set rooms_cols 'id, user_id, name, friendly_id, meeting_id, last_session, created_at, updated_at'
\set meeting_options_cols 'id, name, default_value'
\set room_meeting_options_cols 'id, room_id, meeting_option_id, value, created_at, updated_at'
\set shared_accesses_cols 'id, user_id, room_id, created_at, updated_at'
\set settings_cols 'id, name'
\set site_settings_cols 'id, setting_id, value, provider, created_at, updated_at'
\set recordings_cols 'id, room_id, name, record_id, visibility, length, participants, protectable, recorded_at, created_at, updated_at'
\set formats_cols 'id, recording_id, recording_type, url, created_at, updated_at'
\set rooms_configurations_cols 'id, meeting_option_id, provider, value, created_at, updated_at'
\qecho COPY users ( :users_cols ) FROM stdin;
COPY (SELECT :users_cols FROM users ORDER BY id) TO STDOUT;
\qecho '\\.'
\qecho COPY roles ( :roles_cols ) FROM stdin;
COPY (SELECT :roles_cols FROM roles ORDER BY id) TO STDOUT;
\qecho '\\.'
\qecho COPY permissions ( :permissions_cols ) FROM stdin;
COPY (SELECT :permissions_cols FROM permissions ORDER BY id) TO STDOUT;
\qecho '\\.'
\qecho COPY role_permissions ( :role_permissions_cols ) FROM stdin;
COPY (SELECT :role_permissions_cols FROM role_permissions ORDER BY id) TO STDOUT;
\qecho '\\.'
\qecho COPY rooms ( :rooms_cols ) FROM stdin;
COPY (SELECT :rooms_cols FROM rooms ORDER BY id) TO STDOUT;
\qecho '\\.'
\qecho COPY meeting_options ( :meeting_options_cols ) FROM stdin;
COPY (SELECT :meeting_options_cols FROM meeting_options ORDER BY id) TO STDOUT;
\qecho '\\.'
\qecho COPY room_meeting_options ( :room_meeting_options_cols ) FROM stdin;
COPY (SELECT :room_meeting_options_cols FROM room_meeting_options ORDER BY id) TO STDOUT;
\qecho '\\.'
\qecho COPY shared_accesses ( :shared_accesses_cols ) FROM stdin;
COPY (SELECT :shared_accesses_cols FROM shared_accesses ORDER BY id) TO STDOUT;
\qecho '\\.'
\qecho COPY settings ( :settings_cols ) FROM stdin;
COPY (SELECT :settings_cols FROM settings ORDER BY id) TO STDOUT;
\qecho '\\.'
\qecho COPY site_settings ( :site_settings_cols ) FROM stdin;
COPY (SELECT :site_settings_cols FROM site_settings ORDER BY id) TO STDOUT;
\qecho '\\.'
\qecho COPY recordings ( :recordings_cols ) FROM stdin;
COPY (SELECT :recordings_cols FROM recordings ORDER BY id) TO STDOUT;
\qecho '\\.'
\qecho COPY formats ( :formats_cols ) FROM stdin;
COPY (SELECT :formats_cols FROM formats ORDER BY id) TO STDOUT;
\qecho '\\.'
\qecho COPY rooms_configurations ( :rooms_configurations_cols ) FROM stdin;
COPY (SELECT :rooms_configurations_cols FROM rooms_configurations ORDER BY id) TO STDOUT;
\qecho '\\.'
\qecho COPY manifest (tbl, n, digest) FROM stdin;
COPY (
  SELECT 'users', count(*), md5(coalesce(string_agg(t::text, E'\n' ORDER BY t.id), '')) FROM (SELECT :users_cols FROM users) t
  UNION ALL SELECT 'roles', count(*), md5(coalesce(string_agg(t::text, E'\n' ORDER BY t.id), '')) FROM (SELECT :roles_cols FROM roles) t
  UNION ALL SELECT 'permissions', count(*), md5(coalesce(string_agg(t::text, E'\n' ORDER BY t.id), '')) FROM (SELECT :permissions_cols FROM permissions) t
  UNION ALL SELECT 'role_permissions', count(*), md5(coalesce(string_agg(t::text, E'\n' ORDER BY t.id), '')) FROM (SELECT :role_permissions_cols FROM role_permissions) t
  UNION ALL SELECT 'rooms', count(*), md5(coalesce(string_agg(t::text, E'\n' ORDER BY t.id), '')) FROM (SELECT :rooms_cols FROM rooms) t
  UNION ALL SELECT 'meeting_options', count(*), md5(coalesce(string_agg(t::text, E'\n' ORDER BY t.id), '')) FROM (SELECT :meeting_options_cols FROM meeting_options) t
  UNION ALL SELECT 'room_meeting_options', count(*), md5(coalesce(string_agg(t::text, E'\n' ORDER BY t.id), '')) FROM (SELECT :room_meeting_options_cols FROM room_meeting_options) t
  UNION ALL SELECT 'shared_accesses', count(*), md5(coalesce(string_agg(t::text, E'\n' ORDER BY t.id), '')) FROM (SELECT :shared_accesses_cols FROM shared_accesses) t
  UNION ALL SELECT 'settings', count(*), md5(coalesce(string_agg(t::text, E'\n' ORDER BY t.id), '')) FROM (SELECT :settings_cols FROM settings) t
  UNION ALL SELECT 'site_settings', count(*), md5(coalesce(string_agg(t::text, E'\n' ORDER BY t.id), '')) FROM (SELECT :site_settings_cols FROM site_settings) t
  UNION ALL SELECT 'recordings', count(*), md5(coalesce(string_agg(t::text, E'\n' ORDER BY t.id), '')) FROM (SELECT :recordings_cols FROM recordings) t
  UNION ALL SELECT 'formats', count(*), md5(coalesce(string_agg(t::text, E'\n' ORDER BY t.id), '')) FROM (SELECT :formats_cols FROM formats) t
  UNION ALL SELECT 'rooms_configurations', count(*), md5(coalesce(string_agg(t::text, E'\n' ORDER BY t.id), '')) FROM (SELECT :rooms_configurations_cols FROM rooms_configurations) t
) TO STDOUT;
\qecho '\\.'
COMMIT;
