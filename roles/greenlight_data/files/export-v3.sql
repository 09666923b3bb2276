-- The Greenlight v3 tables the v3_to_v3 migration reads, with the columns it
-- reads, in export order: the psql variable export_tables, which
-- export-copy.sql (following on psql's input) exports. Ids are exported only
-- to join the rows of the snapshot: the target keeps its own. Sessions,
-- reset and verification digests are not exported. Reads only.
\set ON_ERROR_STOP 1
SELECT '[["users", "id, name, email, external_id, provider, password_digest, last_login, role_id, language, verified, status, created_at, updated_at"],
  ["roles", "id, name, color, provider, created_at, updated_at"],
  ["permissions", "id, name"],
  ["role_permissions", "id, role_id, permission_id, value, created_at, updated_at"],
  ["rooms", "id, user_id, name, friendly_id, meeting_id, last_session, created_at, updated_at"],
  ["meeting_options", "id, name, default_value"],
  ["room_meeting_options", "id, room_id, meeting_option_id, value, created_at, updated_at"],
  ["shared_accesses", "id, user_id, room_id, created_at, updated_at"],
  ["settings", "id, name"],
  ["site_settings", "id, setting_id, value, provider, created_at, updated_at"],
  ["recordings", "id, room_id, name, record_id, visibility, length, participants, protectable, recorded_at, created_at, updated_at"],
  ["formats", "id, recording_id, recording_type, url, created_at, updated_at"],
  ["rooms_configurations", "id, meeting_option_id, provider, value, created_at, updated_at"]]' AS export_tables \gset
