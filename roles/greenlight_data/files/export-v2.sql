-- The Greenlight v2 tables the v2_to_v3 migration reads, with the columns it
-- reads, in export order: the psql variable export_tables, which
-- export-copy.sql (following on psql's input) exports. Reads only.
\set ON_ERROR_STOP 1
SELECT '[["users", "id, provider, name, email, social_uid, password_digest, email_verified, language, deleted, role_id, last_login, activated_at, created_at, updated_at"],
  ["rooms", "id, user_id, name, uid, bbb_id, last_session, room_settings, access_code, moderator_access_code, deleted, created_at, updated_at"],
  ["shared_accesses", "id, room_id, user_id, created_at, updated_at"],
  ["roles", "id, name, provider, colour, created_at, updated_at"],
  ["role_permissions", "id, role_id, name, value, enabled"],
  ["settings", "id, provider"],
  ["features", "id, setting_id, name, value, enabled"]]' AS export_tables \gset
