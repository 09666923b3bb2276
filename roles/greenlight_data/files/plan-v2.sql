-- The plan of a v2 -> v3 run, inside the transaction templates/stage.sql.j2
-- opened, after the export's COPY blocks: checks the transfer, plans who and
-- what is migrated, skipped, merged or in conflict, and records each problem;
-- gate.sql then stops the run before any write if there is one, and
-- write-v2.sql writes. Reads the schema written (:live, live-target.sql) and
-- the staging tables only.
--
-- psql variables: provider_map, maps (JSON), default_language,
-- email_conflict (merge|skip|fail), pending_users (skip|pending),
-- denied_users (skip|banned), deleted_users (skip|banned),
-- email_as_external_id, dry_run (true|false), pause (seconds), bulk_load_rows,
-- fill_recordings (true|false: bbb_recordings holds the target BBB nodes' recordings),
-- live (the schema written).
\set ON_ERROR_STOP 1
INSERT INTO pg_temp.greenlight_data_clock VALUES ('loaded', clock_timestamp());
CREATE UNLOGGED TABLE problems (message text);
CREATE UNLOGGED TABLE mismatches (entity text, key text, issue text);
ANALYZE users; ANALYZE rooms; ANALYZE shared_accesses;

-- 1. The transfer: the staging tables hold what the source snapshot held (shared.sql).
SELECT check_transfer();

-- 2. Plan the users: one row per source user with its disposition.
CREATE UNLOGGED TABLE plan_users AS
SELECT u.id AS src_id,
       lower(btrim(u.email)) AS email,
       (:'provider_map'::jsonb) ->> u.provider AS provider,
       u.provider AS src_provider,
       coalesce(nullif(btrim(u.name), ''), split_part(u.email, '@', 1)) AS name,
       u.password_digest,
       CASE WHEN :'email_as_external_id'::boolean AND u.social_uid IS NOT NULL THEN lower(btrim(u.email))
            ELSE u.social_uid END AS external_id,
       CASE WHEN u.language IS NULL OR u.language IN ('', 'default') THEN :'default_language' ELSE u.language END AS language,
       coalesce(u.email_verified, false) OR u.activated_at IS NOT NULL OR u.social_uid IS NOT NULL AS verified,
       CASE WHEN u.deleted THEN 2 WHEN r.name = 'pending' THEN 1 WHEN r.name = 'denied' THEN 2 ELSE 0 END AS status,
       CASE WHEN r.name IS NULL THEN 'User'
            WHEN (:'maps'::jsonb) -> 'builtin_roles' ? r.name THEN coalesce((:'maps'::jsonb) -> 'builtin_roles' ->> r.name, 'User')
            ELSE upper(left(r.name, 1)) || lower(substr(r.name, 2)) END AS role_name,
       u.last_login, u.created_at, u.updated_at,
       CASE WHEN u.deleted AND :'deleted_users' = 'skip' THEN 'deleted'
            WHEN r.name = 'super_admin' THEN 'super_admin'
            WHEN r.name = 'pending' AND :'pending_users' = 'skip' THEN 'pending'
            WHEN r.name = 'denied' AND :'denied_users' = 'skip' THEN 'denied'
            WHEN u.email IS NULL OR btrim(u.email) = '' THEN 'no email'
       END AS skip_reason,
       u.id AS survivor_id,
       false AS adopt
  FROM users u LEFT JOIN roles r ON r.id = u.role_id;
ANALYZE plan_users;

INSERT INTO problems
SELECT format('Source provider %L (%s users) is not in greenlight_data_provider_map: map it to a v3 provider.',
              src_provider, count(*))
  FROM plan_users WHERE skip_reason IS NULL AND provider IS NULL GROUP BY src_provider;

-- Accounts that would collide: two source accounts with one email, or a target
-- account this migration did not create (shared.sql), as the policy says.
SELECT plan_account_conflicts(:'email_conflict');

-- Roles: custom v2 roles of the providers in the map, built-ins that must exist.
CREATE UNLOGGED TABLE plan_roles AS
SELECT DISTINCT ON (v3_name, provider) r.id AS src_id, upper(left(r.name, 1)) || lower(substr(r.name, 2)) AS v3_name,
       (:'provider_map'::jsonb) ->> r.provider AS provider, coalesce(r.colour, '') AS color, r.created_at, r.updated_at
  FROM roles r
 WHERE NOT (:'maps'::jsonb) -> 'builtin_roles' ? r.name AND (:'provider_map'::jsonb) ? r.provider
 ORDER BY v3_name, provider, r.id;
ANALYZE plan_roles;
INSERT INTO problems
SELECT format('The target has no role %s for provider %s, which %s migrated users need: create it in Greenlight first.',
              n.role_name, n.provider, n.users)
  FROM (SELECT role_name, provider, count(*) AS users FROM plan_users
         WHERE skip_reason IS NULL AND provider IS NOT NULL GROUP BY role_name, provider) n
 WHERE NOT EXISTS (SELECT 1 FROM :live.roles t WHERE t.name = n.role_name AND t.provider = n.provider)
   AND NOT EXISTS (SELECT 1 FROM plan_roles c WHERE c.v3_name = n.role_name AND c.provider = n.provider);

-- Rooms: live rooms of migrated owners, keyed on their link (friendly id).
CREATE UNLOGGED TABLE plan_rooms AS
SELECT r.id AS src_id, r.uid AS friendly_id, r.bbb_id AS meeting_id, coalesce(nullif(btrim(r.name), ''), r.uid) AS name,
       o.email AS owner_email, o.provider AS owner_provider, r.last_session, r.created_at, r.updated_at,
       r.room_settings, r.access_code, r.moderator_access_code,
       CASE WHEN r.deleted THEN 'deleted'
            WHEN p.src_id IS NULL THEN 'owner unknown'
            WHEN p.skip_reason IS NOT NULL THEN 'owner skipped (' || p.skip_reason || ')'
            WHEN r.uid IS NULL OR r.bbb_id IS NULL THEN 'no uid or bbb_id' END AS skip_reason
  FROM rooms r
  LEFT JOIN plan_users p ON p.src_id = r.user_id
  LEFT JOIN plan_users o ON o.src_id = p.survivor_id;
ANALYZE plan_rooms;
INSERT INTO problems
SELECT format('Room link %s is used by %s source rooms (ids %s): v3 needs one room per link; delete or rename all but one in v2.',
              friendly_id, count(*), string_agg(src_id::text, ', ' ORDER BY src_id))
  FROM plan_rooms WHERE skip_reason IS NULL GROUP BY friendly_id HAVING count(*) > 1;
SELECT check_room_conflicts();

-- Recordings on the target BBB nodes (filled only with fill_recordings: otherwise
-- bbb_recordings is empty), for the rooms this run migrates, matched on the
-- meeting id, and stored as Greenlight v3's own recording sync stores them.
CREATE UNLOGGED TABLE bbb_formats AS
SELECT DISTINCT ON (doc ->> 'record_id', doc ->> 'format')
       doc ->> 'record_id' AS record_id, doc ->> 'meeting_id' AS meeting_id, doc ->> 'name' AS name,
       (doc ->> 'published')::boolean AS published, (doc ->> 'protected')::boolean AS protected,
       (doc ->> 'participants')::int AS participants,
       to_timestamp((doc ->> 'start_time')::bigint / 1000.0) AT TIME ZONE 'UTC' AS recorded_at,
       doc ->> 'format' AS recording_type, doc ->> 'url' AS url, (doc ->> 'length')::int AS length
  FROM bbb_recordings
 ORDER BY doc ->> 'record_id', doc ->> 'format', doc ->> 'url';
-- Greenlight's rules: Protected, else Published, else Unpublished; the length of the only
-- format, or of the presentation format; protectable when BBB says anything about protection.
-- Every format's metadata.xml carries the meeting's meta; the presentation's name is taken.
-- Both timestamps are the recording's start, so that a re-run finds nothing to change.
CREATE UNLOGGED TABLE plan_recordings AS
SELECT f.record_id, p.friendly_id,
       coalesce(min(f.name) FILTER (WHERE f.recording_type = 'presentation'), min(f.name)) AS name,
       CASE WHEN bool_or(f.protected) THEN 'Protected' WHEN bool_or(f.published) THEN 'Published'
            ELSE 'Unpublished' END AS visibility,
       CASE WHEN count(*) = 1 THEN max(f.length)
            ELSE coalesce(max(f.length) FILTER (WHERE f.recording_type = 'presentation'), 0) END AS length,
       max(f.participants) AS participants, bool_or(f.protected IS NOT NULL) AS protectable,
       min(f.recorded_at) AS recorded_at, min(f.recorded_at) AS created_at, min(f.recorded_at) AS updated_at,
       CASE WHEN p.friendly_id IS NULL THEN 'room not migrated' END AS skip_reason
  FROM bbb_formats f LEFT JOIN plan_rooms p ON p.meeting_id = f.meeting_id AND p.skip_reason IS NULL
 GROUP BY f.record_id, p.friendly_id;
INSERT INTO problems
SELECT format('Recording %s belongs to %s migrated rooms with its meeting id: v3 keeps it in one room.', record_id, count(*))
  FROM plan_recordings WHERE skip_reason IS NULL GROUP BY record_id HAVING count(*) > 1;
SELECT check_recording_conflicts();
