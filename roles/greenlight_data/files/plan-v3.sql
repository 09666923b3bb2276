-- The plan of a v3 -> v3 run (a whole Greenlight v3 database into another,
-- installed v3 that keeps its own seeded ids), inside the transaction
-- templates/stage.sql.j2 opened, after the export's COPY blocks: checks the
-- transfer, plans, and records each problem; gate.sql then stops the run
-- before any write if there is one, and write-v3.sql writes, keyed on natural
-- keys (never on ids), and prints the report (the keys of write-v2.sql's).
--
-- Natural keys: roles (name, provider), permissions name, settings name,
-- meeting_options name, users (lower(email), provider), rooms friendly_id
-- (meeting_id must match), shared_accesses (user, room), site_settings
-- (setting, provider), recordings record_id, formats (recording,
-- recording_type), rooms_configurations (meeting option, provider). Only rows
-- that differ are written.
--
-- psql variables: provider_map, default_language, email_conflict
-- (merge|skip|fail), email_as_external_id, dry_run (true|false), pause
-- (seconds), pause_before_rooms, bulk_load_rows, maps (email_format), live (the schema
-- written). Status values are copied as they are.
\set ON_ERROR_STOP 1
INSERT INTO pg_temp.greenlight_data_clock VALUES ('loaded', clock_timestamp());
CREATE UNLOGGED TABLE problems (message text);
CREATE UNLOGGED TABLE mismatches (entity text, key text, issue text);
ANALYZE users; ANALYZE rooms; ANALYZE room_meeting_options; ANALYZE shared_accesses; ANALYZE recordings; ANALYZE formats;

-- 1. The transfer: the staging tables hold what the source snapshot held (shared.sql).
SELECT check_transfer();

-- 2. Roles: every source role of a mapped provider, by (name, target provider).
CREATE UNLOGGED TABLE plan_roles AS
SELECT DISTINCT ON (r.name, (:'provider_map'::jsonb) ->> r.provider)
       r.id AS src_id, r.name, (:'provider_map'::jsonb) ->> r.provider AS provider, coalesce(r.color, '') AS color,
       r.created_at, r.updated_at
  FROM roles r
 WHERE (:'provider_map'::jsonb) ? r.provider
 ORDER BY r.name, (:'provider_map'::jsonb) ->> r.provider, r.created_at, r.id;
ANALYZE plan_roles;

-- 3. Users: one row per source user with its disposition.
CREATE UNLOGGED TABLE plan_users AS
SELECT u.id AS src_id,
       lower(btrim(u.email)) AS email,
       (:'provider_map'::jsonb) ->> u.provider AS provider,
       u.provider AS src_provider,
       coalesce(nullif(btrim(u.name), ''), split_part(u.email, '@', 1)) AS name,
       u.password_digest,
       CASE WHEN :'email_as_external_id'::boolean AND u.external_id IS NOT NULL THEN lower(btrim(u.email))
            ELSE u.external_id END AS external_id,
       CASE WHEN u.language IS NULL OR u.language IN ('', 'default') THEN :'default_language' ELSE u.language END AS language,
       u.verified, u.status,
       r.name AS role_name, (:'provider_map'::jsonb) ->> r.provider AS role_provider, r.provider AS src_role_provider,
       u.last_login, u.created_at, u.updated_at,
       CASE WHEN u.email IS NULL OR btrim(u.email) = '' THEN 'no email' END AS skip_reason,
       u.id AS survivor_id,
       false AS adopt
  FROM users u LEFT JOIN roles r ON r.id = u.role_id;
ANALYZE plan_users;

INSERT INTO problems
SELECT format('Source provider %L (%s users) is not in greenlight_data_provider_map: map it to a target provider.',
              src_provider, count(*))
  FROM plan_users WHERE skip_reason IS NULL AND provider IS NULL GROUP BY src_provider;
INSERT INTO problems
SELECT format('Source role %s of provider %L (%s users) is not in greenlight_data_provider_map: map the provider.',
              role_name, src_role_provider, count(*))
  FROM plan_users WHERE skip_reason IS NULL AND provider IS NOT NULL AND role_name IS NOT NULL AND role_provider IS NULL
 GROUP BY role_name, src_role_provider;

-- Accounts that would collide: two source accounts with one email, or a target
-- account this migration did not create (shared.sql), as the policy says.
SELECT plan_account_conflicts(:'email_conflict');

-- 4. Rooms of migrated owners, keyed on their link (friendly id).
CREATE UNLOGGED TABLE plan_rooms AS
SELECT r.id AS src_id, r.friendly_id, r.meeting_id, coalesce(nullif(btrim(r.name), ''), r.friendly_id) AS name,
       o.email AS owner_email, o.provider AS owner_provider, r.last_session, r.created_at, r.updated_at,
       CASE WHEN p.src_id IS NULL THEN 'owner unknown'
            WHEN p.skip_reason IS NOT NULL THEN 'owner skipped (' || p.skip_reason || ')' END AS skip_reason
  FROM rooms r
  LEFT JOIN plan_users p ON p.src_id = r.user_id
  LEFT JOIN plan_users o ON o.src_id = p.survivor_id;
ANALYZE plan_rooms;
SELECT check_room_conflicts();

-- 5. Recordings of migrated rooms, keyed on the record id BBB gave them.
CREATE UNLOGGED TABLE plan_recordings AS
SELECT c.id AS src_id, c.record_id, p.friendly_id, c.name, c.visibility, c.length, c.participants, c.protectable,
       c.recorded_at, c.created_at, c.updated_at,
       CASE WHEN p.src_id IS NULL THEN 'room unknown'
            WHEN p.skip_reason IS NOT NULL THEN 'room skipped' END AS skip_reason
  FROM recordings c LEFT JOIN plan_rooms p ON p.src_id = c.room_id;
ANALYZE plan_recordings;
INSERT INTO problems
SELECT format('Recording %s is held %s times in the source: v3 keeps one row per recording; delete the extra rows there.',
              record_id, count(*))
  FROM plan_recordings WHERE skip_reason IS NULL GROUP BY record_id HAVING count(*) > 1;
SELECT check_recording_conflicts();
