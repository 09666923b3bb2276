-- Follows the export's COPY blocks, inside the transaction stage-v2.sql
-- opened. Checks the transfer, plans (who and what is migrated, skipped or in
-- conflict), stops before any write when the plan has problems, upserts
-- set-based into the tables of the schema written (:live, live-target.sql)
-- keyed on natural keys, verifies the result against the snapshot and prints
-- one JSON report; finish.sql then commits, or rolls back (dry run,
-- mismatches). Problems found while planning roll back here, before any write.
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

-- 1. The transfer: the staging tables hold what the source snapshot held.
INSERT INTO mismatches
SELECT 'transfer', m.tbl, format('source had %s rows (digest %s), staging holds %s (digest %s)', m.n, m.digest, s.n, s.digest)
  FROM manifest m JOIN (
        SELECT 'users' AS tbl, count(*) AS n, md5(coalesce(string_agg(t::text, E'\n' ORDER BY t.id), '')) AS digest FROM users t
  UNION ALL SELECT 'rooms', count(*), md5(coalesce(string_agg(t::text, E'\n' ORDER BY t.id), '')) FROM rooms t
  UNION ALL SELECT 'shared_accesses', count(*), md5(coalesce(string_agg(t::text, E'\n' ORDER BY t.id), '')) FROM shared_accesses t
  UNION ALL SELECT 'roles', count(*), md5(coalesce(string_agg(t::text, E'\n' ORDER BY t.id), '')) FROM roles t
  UNION ALL SELECT 'role_permissions', count(*), md5(coalesce(string_agg(t::text, E'\n' ORDER BY t.id), '')) FROM role_permissions t
  UNION ALL SELECT 'settings', count(*), md5(coalesce(string_agg(t::text, E'\n' ORDER BY t.id), '')) FROM settings t
  UNION ALL SELECT 'features', count(*), md5(coalesce(string_agg(t::text, E'\n' ORDER BY t.id), '')) FROM features t
  ) s USING (tbl)
 WHERE (m.n, m.digest) IS DISTINCT FROM (s.n, s.digest);
INSERT INTO problems SELECT 'The export did not arrive whole: ' || string_agg(key, ', ') || ' differ. Run again.'
  FROM mismatches WHERE entity = 'transfer' HAVING count(*) > 0;

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

-- Two source accounts, one email (case-insensitive), one target provider. The
-- survivor of a merge is the first: verified accounts before unverified ones,
-- then the latest sign-in.
CREATE UNLOGGED TABLE dup_emails AS
SELECT email, provider, array_agg(src_id ORDER BY verified DESC NULLS LAST, last_login DESC NULLS LAST, src_id) AS ids,
       string_agg(format('%s (%s)', src_id, src_provider), ', ' ORDER BY src_id) AS accounts
  FROM plan_users WHERE skip_reason IS NULL AND provider IS NOT NULL
 GROUP BY email, provider HAVING count(*) > 1;
ANALYZE dup_emails;
INSERT INTO problems
SELECT format('Email %s: source accounts %s all map to provider %s and greenlight_data_email_conflict_policy is fail: '
              'choose merge or skip, or map the providers apart.', email, accounts, provider)
  FROM dup_emails WHERE :'email_conflict' = 'fail';
UPDATE plan_users p SET skip_reason = 'duplicate email' FROM dup_emails d
 WHERE :'email_conflict' = 'skip' AND p.email = d.email AND p.provider = d.provider AND p.skip_reason IS NULL;
UPDATE plan_users p SET survivor_id = d.ids[1] FROM dup_emails d
 WHERE :'email_conflict' = 'merge' AND p.email = d.email AND p.provider = d.provider AND p.skip_reason IS NULL;
SELECT merge_credentials();

-- A target account with the same email and provider that this migration did not
-- create (it keeps the source's created_at, so a different one is someone else's).
CREATE UNLOGGED TABLE target_conflicts AS
SELECT p.src_id, p.email, p.provider FROM plan_users p JOIN :live.users t ON t.email = p.email AND t.provider = p.provider
 WHERE p.skip_reason IS NULL AND p.survivor_id = p.src_id AND t.created_at IS DISTINCT FROM p.created_at
   AND NOT (:'email_conflict' = 'fail' AND EXISTS (SELECT 1 FROM dup_emails d WHERE d.email = p.email AND d.provider = p.provider));
ANALYZE target_conflicts;
INSERT INTO problems
SELECT format('Email %s: the target already has an account under provider %s that this migration did not create, and '
              'greenlight_data_email_conflict_policy is fail: choose merge (adopt it) or skip.', email, provider)
  FROM target_conflicts WHERE :'email_conflict' = 'fail';
UPDATE plan_users p SET skip_reason = 'target account exists' FROM target_conflicts c
 WHERE :'email_conflict' = 'skip' AND p.survivor_id = c.src_id AND p.skip_reason IS NULL;
UPDATE plan_users p SET adopt = true FROM target_conflicts c
 WHERE :'email_conflict' = 'merge' AND p.survivor_id = c.src_id AND p.skip_reason IS NULL;

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

SELECT check_v3_validity((:'maps'::jsonb) ->> 'email_format');

SELECT EXISTS (SELECT 1 FROM problems) AS greenlight_data_has_problems \gset
\if :greenlight_data_has_problems
SELECT json_build_object('mode', 'v2_to_v3', 'dry_run', :'dry_run'::boolean, 'committed', false,
  'problems', (SELECT json_agg(message) FROM problems),
  'mismatches', (SELECT coalesce(json_agg(json_build_object('entity', entity, 'key', key, 'issue', issue)), '[]') FROM mismatches))::text;
ROLLBACK;
\q
\endif

-- Nothing below runs unless the plan is clean. Keep Greenlight from writing
-- the tables while the run upserts and verifies them.
LOCK TABLE :live.users, :live.roles, :live.role_permissions, :live.rooms, :live.room_meeting_options,
  :live.shared_accesses, :live.site_settings, :live.recordings, :live.formats IN SHARE ROW EXCLUSIVE MODE;
INSERT INTO pg_temp.greenlight_data_clock VALUES ('planned', clock_timestamp());

-- 3. Custom roles and their permissions.
WITH up AS (
  INSERT INTO :live.roles (name, color, provider, created_at, updated_at)
  SELECT v3_name, color, provider, created_at, updated_at FROM plan_roles
  ON CONFLICT (name, provider) DO UPDATE SET color = EXCLUDED.color
   WHERE roles.color IS DISTINCT FROM EXCLUDED.color
  RETURNING (xmax = 0) AS inserted)
INSERT INTO report SELECT CASE WHEN inserted THEN 'created' ELSE 'updated' END, 'roles', NULL, count(*) FROM up GROUP BY inserted;

-- A v2 role's permission reads as v2's Role#get_permission reads it: the
-- value of its (last) row when that row is enabled, else the default (a
-- missing or disabled row): 'true' for can_appear_in_share_list (v2's
-- shared_access_default), 'false' for every other; only "true" grants. A v3
-- permission no v2 permission maps to (RoomLimit, EmailOnSignup, newer ones)
-- takes the target User role's value, as v3 gives a new role, else 'false'.
CREATE UNLOGGED TABLE want_role_permissions AS
SELECT t.id AS role_id, perm.id AS permission_id,
       coalesce(granted.value, base.value, 'false') AS value, c.created_at, c.updated_at
  FROM plan_roles c
  JOIN :live.roles t ON t.name = c.v3_name AND t.provider = c.provider
  CROSS JOIN :live.permissions perm
  LEFT JOIN LATERAL (
    SELECT CASE WHEN bool_or(CASE WHEN rp.enabled THEN rp.value
                                  ELSE coalesce((:'maps'::jsonb) -> 'permission_defaults' ->> m.v2_name, 'false') END
                             = 'true') THEN 'true' ELSE 'false' END AS value
      FROM jsonb_each((:'maps'::jsonb) -> 'permissions') AS m(v2_name, v3_names)
      LEFT JOIN LATERAL (SELECT x.value, x.enabled FROM role_permissions x
                          WHERE x.role_id = c.src_id AND x.name = m.v2_name ORDER BY x.id DESC LIMIT 1) rp ON true
     WHERE m.v3_names ? perm.name HAVING count(*) > 0) granted ON true
  LEFT JOIN LATERAL (
    SELECT min(b.value) AS value FROM :live.role_permissions b JOIN :live.roles br ON br.id = b.role_id
     WHERE br.name = 'User' AND br.provider = c.provider AND b.permission_id = perm.id) base ON true;
ANALYZE want_role_permissions;
WITH up AS (
  UPDATE :live.role_permissions t SET value = w.value, updated_at = w.updated_at
    FROM want_role_permissions w
   WHERE t.role_id = w.role_id AND t.permission_id = w.permission_id AND t.value IS DISTINCT FROM w.value
  RETURNING 1)
INSERT INTO report SELECT 'updated', 'role_permissions', NULL, count(*) FROM up;
WITH ins AS (
  INSERT INTO :live.role_permissions (role_id, permission_id, value, created_at, updated_at)
  SELECT w.role_id, w.permission_id, w.value, w.created_at, w.updated_at FROM want_role_permissions w
   WHERE NOT EXISTS (SELECT 1 FROM :live.role_permissions t WHERE t.role_id = w.role_id AND t.permission_id = w.permission_id)
  RETURNING 1)
INSERT INTO report SELECT 'created', 'role_permissions', NULL, count(*) FROM ins;

INSERT INTO pg_temp.greenlight_data_clock VALUES ('roles', clock_timestamp());

-- 4. Users (the survivors; adopted target accounts keep their own credentials),
-- keyed on (email, provider), written by write-live.sql.
CREATE UNLOGGED TABLE want_users AS
SELECT p.name, p.email, p.external_id, p.provider, p.password_digest, p.last_login, p.created_at, p.updated_at,
       r.id AS role_id, p.language, p.verified, p.status, t.id AS target_id
  FROM plan_users p
  JOIN :live.roles r ON r.name = p.role_name AND r.provider = p.provider
  LEFT JOIN :live.users t ON t.email = p.email AND t.provider = p.provider
 WHERE p.skip_reason IS NULL AND p.survivor_id = p.src_id AND NOT p.adopt;
SELECT write_users(:bulk_load_rows);

INSERT INTO pg_temp.greenlight_data_clock VALUES ('users', clock_timestamp());

\if :pause_before_rooms
SELECT pg_sleep(:pause);
\endif

-- 5. Rooms, keyed on the friendly id (the link members know).
CREATE FUNCTION settings_object(text) RETURNS jsonb LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
  -- v2 keeps room_settings as JSON text; anything that is not a JSON object counts as no settings.
  IF $1 IS NULL OR $1 ~ '^\s*\{\s*\}\s*$' THEN
    RETURN '{}'::jsonb;
  END IF;
  BEGIN
    RETURN CASE WHEN jsonb_typeof($1::jsonb) = 'object' THEN $1::jsonb ELSE '{}'::jsonb END;
  EXCEPTION WHEN others THEN
    RETURN '{}'::jsonb;
  END;
END $$;
CREATE UNLOGGED TABLE want_rooms AS
SELECT p.*, u.id AS user_id, t.id AS target_id FROM plan_rooms p
  JOIN :live.users u ON u.email = p.owner_email AND u.provider = p.owner_provider
  LEFT JOIN :live.rooms t ON t.friendly_id = p.friendly_id
 WHERE p.skip_reason IS NULL;
ANALYZE want_rooms;
SELECT write_rooms(:bulk_load_rows);

INSERT INTO pg_temp.greenlight_data_clock VALUES ('rooms', clock_timestamp());

-- 6. One room_meeting_options row per meeting option for every migrated room:
-- the mapped v2 setting or access code when the room has one, else the option's default.
-- Worked out per room (an array of values in option_list order) and written per option.
CREATE UNLOGGED TABLE setting_map AS
SELECT m.key, m.value ->> 'option' AS option, m.value ->> 'kind' AS kind
  FROM jsonb_each((:'maps'::jsonb) -> 'room_settings') m
UNION ALL
SELECT c.key, c.value, 'column' FROM jsonb_each_text((:'maps'::jsonb) -> 'room_columns') c;
CREATE UNLOGGED TABLE option_list AS
SELECT (row_number() OVER (ORDER BY o.name))::int AS ord, o.id, o.name, o.default_value, m.key, m.kind
  FROM :live.meeting_options o LEFT JOIN setting_map m ON m.option = o.name;
SELECT count(*) AS n_options, (1::bigint << (count(*)::int + 1)) - 2 AS all_options FROM option_list \gset
-- The option values a v2 room_settings text gives (the default where it sets none), once per
-- distinct text; a room with an access code gets its own array.
CREATE UNLOGGED TABLE settings_values AS
SELECT d.room_settings,
       ARRAY(SELECT coalesce(CASE WHEN o.kind NOT IN ('guest_policy', 'bool') OR j.settings ->> o.key IS NULL THEN NULL
                                  WHEN lower(j.settings ->> o.key) IN ('true', '1', 't', 'yes')
                                       THEN CASE o.kind WHEN 'guest_policy' THEN 'ASK_MODERATOR' ELSE 'true' END
                                  ELSE CASE o.kind WHEN 'guest_policy' THEN 'ALWAYS_ACCEPT' ELSE 'false' END END,
                             o.default_value)
               FROM option_list o ORDER BY o.ord) AS vals
  FROM (SELECT DISTINCT coalesce(room_settings, '') AS room_settings FROM want_rooms) d
 CROSS JOIN LATERAL (SELECT settings_object(d.room_settings) AS settings) j;
CREATE UNLOGGED TABLE want_options AS
SELECT t.id AS room_id, w.friendly_id, w.created_at, w.updated_at,
       CASE WHEN coalesce(w.access_code, '') = '' AND coalesce(w.moderator_access_code, '') = '' THEN v.vals
            ELSE ARRAY(SELECT CASE WHEN o.kind IS DISTINCT FROM 'column' THEN v.vals[o.ord]
                                   ELSE coalesce(nullif(CASE o.key WHEN 'access_code' THEN w.access_code
                                                                   ELSE w.moderator_access_code END, ''), o.default_value) END
                         FROM option_list o ORDER BY o.ord) END AS vals
  FROM want_rooms w
  JOIN :live.rooms t ON t.friendly_id = w.friendly_id
  JOIN settings_values v ON v.room_settings = coalesce(w.room_settings, '');
ANALYZE want_options;
-- What a migrated room holds: its option rows, one bit per option present, and how
-- many carry the wanted value. Complete: n = n_options, options = all_options, same = n.
CREATE VIEW room_options_state AS
SELECT x.room_id, count(*) AS n, bit_or(1::bigint << o.ord) AS options,
       count(*) FILTER (WHERE x.value IS NOT DISTINCT FROM w.vals[o.ord]) AS same
  FROM want_options w
  JOIN :live.room_meeting_options x ON x.room_id = w.room_id
  JOIN option_list o ON o.id = x.meeting_option_id
 GROUP BY x.room_id;
CREATE UNLOGGED TABLE have_options AS SELECT * FROM room_options_state;
-- Rooms with some option rows, but not the wanted ones: fixed option by option.
CREATE UNLOGGED TABLE fix_options AS
SELECT w.room_id, o.id AS meeting_option_id, w.vals[o.ord] AS value, w.created_at, w.updated_at
  FROM want_options w JOIN have_options h ON h.room_id = w.room_id CROSS JOIN option_list o
 WHERE (h.n, h.options, h.same) IS DISTINCT FROM (:n_options, :all_options, h.n);
WITH up AS (
  UPDATE :live.room_meeting_options t SET value = f.value, updated_at = f.updated_at
    FROM fix_options f
   WHERE t.room_id = f.room_id AND t.meeting_option_id = f.meeting_option_id AND t.value IS DISTINCT FROM f.value
  RETURNING 1)
INSERT INTO report SELECT 'updated', 'room_meeting_options', NULL, count(*) FROM up;
DELETE FROM fix_options f WHERE EXISTS (SELECT 1 FROM :live.room_meeting_options t
                                         WHERE t.room_id = f.room_id AND t.meeting_option_id = f.meeting_option_id);
-- New rows: every option of a room that has none, the missing options of the others.
SELECT bulk_load_begin(format('%I.room_meeting_options', :'live')::regclass,
  (SELECT count(*) * :n_options FROM want_options w WHERE NOT EXISTS (SELECT 1 FROM have_options h WHERE h.room_id = w.room_id))
  + (SELECT count(*) FROM fix_options), :bulk_load_rows);
WITH ins AS (
  INSERT INTO :live.room_meeting_options (room_id, meeting_option_id, value, created_at, updated_at)
  SELECT w.room_id, o.id, w.vals[o.ord], w.created_at, w.updated_at
    FROM want_options w CROSS JOIN option_list o
   WHERE NOT EXISTS (SELECT 1 FROM have_options h WHERE h.room_id = w.room_id)
  UNION ALL
  SELECT room_id, meeting_option_id, value, created_at, updated_at FROM fix_options
  RETURNING 1)
INSERT INTO report SELECT 'created', 'room_meeting_options', NULL, count(*) FROM ins;
SELECT bulk_load_end(format('%I.room_meeting_options', :'live')::regclass);

INSERT INTO pg_temp.greenlight_data_clock VALUES ('room_meeting_options', clock_timestamp());

-- 7. Shared accesses (v2 may hold duplicates; the owner needs no share).
CREATE UNLOGGED TABLE want_shares AS
SELECT DISTINCT ON (u.id, w.friendly_id) u.id AS user_id, t.id AS room_id, w.friendly_id, p.email, p.provider,
       s.created_at, s.updated_at,
       EXISTS (SELECT 1 FROM :live.shared_accesses x WHERE x.user_id = u.id AND x.room_id = t.id) AS present
  FROM shared_accesses s
  JOIN want_rooms w ON w.src_id = s.room_id
  JOIN :live.rooms t ON t.friendly_id = w.friendly_id
  JOIN plan_users q ON q.src_id = s.user_id AND q.skip_reason IS NULL
  JOIN plan_users p ON p.src_id = q.survivor_id
  JOIN :live.users u ON u.email = p.email AND u.provider = p.provider
 WHERE u.id <> t.user_id
 ORDER BY u.id, w.friendly_id, s.id;
ANALYZE want_shares;
SELECT write_shares(:bulk_load_rows);

INSERT INTO pg_temp.greenlight_data_clock VALUES ('shared_accesses', clock_timestamp());

-- 8. Site settings (all three colours and PreuploadPresentation included).
CREATE UNLOGGED TABLE want_site_settings AS
SELECT DISTINCT ON (st.id, (:'provider_map'::jsonb) ->> s.provider)
       st.id AS setting_id, st.name, (:'provider_map'::jsonb) ->> s.provider AS provider,
       CASE st.name
         WHEN 'RegistrationMethod' THEN coalesce((:'maps'::jsonb) -> 'registration_methods' ->> f.value, 'open')
         WHEN 'ShareRooms' THEN CASE WHEN lower(coalesce(f.value, '')) IN ('true', '1', 't', 'yes') THEN 'true' ELSE 'false' END
         WHEN 'PreuploadPresentation' THEN CASE WHEN lower(coalesce(f.value, '')) IN ('true', '1', 't', 'yes') THEN 'true' ELSE 'false' END
         ELSE coalesce(f.value, '') END AS value
  FROM features f
  JOIN settings s ON s.id = f.setting_id
  JOIN :live.settings st ON st.name = (:'maps'::jsonb) -> 'site_settings' ->> f.name
 WHERE (:'provider_map'::jsonb) ? s.provider
 ORDER BY st.id, (:'provider_map'::jsonb) ->> s.provider, f.id DESC;
ANALYZE want_site_settings;
WITH up AS (
  UPDATE :live.site_settings t SET value = w.value, updated_at = now()
    FROM want_site_settings w
   WHERE t.setting_id = w.setting_id AND t.provider = w.provider AND t.value IS DISTINCT FROM w.value
  RETURNING 1)
INSERT INTO report SELECT 'updated', 'site_settings', NULL, count(*) FROM up;
WITH ins AS (
  INSERT INTO :live.site_settings (setting_id, value, provider, created_at, updated_at)
  SELECT w.setting_id, w.value, w.provider, now(), now() FROM want_site_settings w
   WHERE NOT EXISTS (SELECT 1 FROM :live.site_settings t WHERE t.setting_id = w.setting_id AND t.provider = w.provider)
  RETURNING 1)
INSERT INTO report SELECT 'created', 'site_settings', NULL, count(*) FROM ins;

-- 9. Recordings of migrated rooms and their formats (written by write-live.sql).
CREATE UNLOGGED TABLE want_recordings AS
SELECT p.*, t.id AS room_id FROM plan_recordings p JOIN :live.rooms t ON t.friendly_id = p.friendly_id
 WHERE p.skip_reason IS NULL;
CREATE UNLOGGED TABLE plan_formats AS
SELECT f.record_id, f.recording_type, f.url, w.created_at, w.updated_at FROM bbb_formats f JOIN want_recordings w USING (record_id);
SELECT write_recordings();
INSERT INTO pg_temp.greenlight_data_clock VALUES ('transformed', clock_timestamp());

-- 10. Verify every migrated entity against the snapshot.
INSERT INTO mismatches
SELECT 'user', p.email || ' (' || p.provider || ')',
       CASE WHEN u.id IS NULL THEN 'missing on the target'
            WHEN u.password_digest IS DISTINCT FROM p.password_digest THEN 'password digest differs'
            WHEN u.external_id IS DISTINCT FROM p.external_id THEN 'external id differs'
            ELSE 'created_at differs' END
  FROM plan_users p LEFT JOIN :live.users u ON u.email = p.email AND u.provider = p.provider
 WHERE p.skip_reason IS NULL AND p.survivor_id = p.src_id AND NOT p.adopt
   AND (u.id IS NULL OR (u.password_digest, u.external_id, u.created_at) IS DISTINCT FROM (p.password_digest, p.external_id, p.created_at));
INSERT INTO mismatches
SELECT 'room', p.friendly_id,
       CASE WHEN t.id IS NULL THEN 'missing on the target'
            WHEN t.meeting_id IS DISTINCT FROM p.meeting_id THEN 'meeting id differs'
            ELSE 'owner differs' END
  FROM plan_rooms p
  LEFT JOIN :live.rooms t ON t.friendly_id = p.friendly_id
  LEFT JOIN :live.users u ON u.id = t.user_id
 WHERE p.skip_reason IS NULL
   AND (t.id IS NULL OR (t.meeting_id, u.email, u.provider) IS DISTINCT FROM (p.meeting_id, p.owner_email, p.owner_provider));
INSERT INTO mismatches
SELECT 'room count', e.email || ' (' || e.provider || ')', format('%s rooms expected, %s on the target', e.n, coalesce(a.n, 0))
  FROM (SELECT owner_email AS email, owner_provider AS provider, count(*) AS n FROM plan_rooms
         WHERE skip_reason IS NULL GROUP BY 1, 2) e
  JOIN plan_users p ON p.email = e.email AND p.provider = e.provider AND p.survivor_id = p.src_id AND NOT p.adopt
  JOIN :live.users u ON u.email = e.email AND u.provider = e.provider
  LEFT JOIN (SELECT user_id, count(*) AS n FROM :live.rooms GROUP BY user_id) a ON a.user_id = u.id
 WHERE e.n IS DISTINCT FROM a.n;
CREATE UNLOGGED TABLE verified_options AS SELECT * FROM room_options_state;
INSERT INTO mismatches
SELECT 'room options', w.friendly_id,
       format('%s meeting option rows, %s with the mapped value, %s expected (one per option, values as mapped)',
              coalesce(v.n, 0), coalesce(v.same, 0), :n_options)
  FROM want_options w LEFT JOIN verified_options v ON v.room_id = w.room_id
 WHERE (v.n, v.options, v.same) IS DISTINCT FROM (:n_options, :all_options, :n_options);
INSERT INTO mismatches
SELECT 'shared access', w.email || ' -> ' || w.friendly_id, 'missing on the target'
  FROM want_shares w
 WHERE NOT EXISTS (SELECT 1 FROM :live.shared_accesses t WHERE t.user_id = w.user_id AND t.room_id = w.room_id);
INSERT INTO mismatches
SELECT 'site setting', w.name || ' (' || w.provider || ')', format('expected %L', w.value)
  FROM want_site_settings w
 WHERE NOT EXISTS (SELECT 1 FROM :live.site_settings t
                    WHERE t.setting_id = w.setting_id AND t.provider = w.provider AND t.value = w.value);
SELECT verify_recordings();
INSERT INTO pg_temp.greenlight_data_clock VALUES ('verified', clock_timestamp());

-- 11. The report (finish.sql then commits or rolls back).
SELECT (:'dry_run'::boolean OR EXISTS (SELECT 1 FROM mismatches)) AS greenlight_data_rollback \gset
SELECT json_build_object(
  'mode', 'v2_to_v3',
  'dry_run', :'dry_run'::boolean,
  'committed', NOT :'greenlight_data_rollback'::boolean,
  'problems', '[]'::json,
  'source', (SELECT json_object_agg(tbl, n) FROM manifest),
  'created', (SELECT json_object_agg(e, coalesce((SELECT sum(n) FROM report r WHERE r.section = 'created' AND r.entity = e), 0))
                FROM unnest(ARRAY['users', 'roles', 'role_permissions', 'rooms', 'room_meeting_options', 'shared_accesses', 'site_settings',
                                  'recordings', 'formats']) e),
  'updated', (SELECT json_object_agg(e, coalesce((SELECT sum(n) FROM report r WHERE r.section = 'updated' AND r.entity = e), 0))
                FROM unnest(ARRAY['users', 'roles', 'role_permissions', 'rooms', 'room_meeting_options', 'site_settings',
                                  'recordings', 'formats']) e),
  'skipped', json_build_object(
     'users', (SELECT coalesce(json_object_agg(reason, n), '{}') FROM (
                 SELECT skip_reason AS reason, count(*) AS n FROM plan_users WHERE skip_reason IS NOT NULL GROUP BY 1
                 UNION ALL SELECT 'merged into another account', count(*) FROM plan_users
                  WHERE skip_reason IS NULL AND survivor_id <> src_id HAVING count(*) > 0) x),
     'users_adopted', (SELECT count(*) FROM plan_users WHERE adopt AND survivor_id = src_id),
     'rooms', (SELECT coalesce(json_object_agg(skip_reason, n), '{}') FROM (
                 SELECT skip_reason, count(*) AS n FROM plan_rooms WHERE skip_reason IS NOT NULL GROUP BY 1) x),
     'recordings', (SELECT coalesce(json_object_agg(skip_reason, n), '{}') FROM (
                 SELECT skip_reason, count(DISTINCT record_id) AS n FROM plan_recordings WHERE skip_reason IS NOT NULL GROUP BY 1) x),
     'shared_accesses_existing', (SELECT count(*) FROM want_shares)
                                 - coalesce((SELECT sum(n) FROM report WHERE section = 'created' AND entity = 'shared_accesses'), 0)),
  'verification', json_build_object(
     'users', json_build_object('eligible', (SELECT count(*) FROM plan_users WHERE skip_reason IS NULL AND survivor_id = src_id),
                                'present', (SELECT count(*) FROM plan_users p JOIN :live.users u ON u.email = p.email AND u.provider = p.provider
                                             WHERE p.skip_reason IS NULL AND p.survivor_id = p.src_id)),
     'rooms', json_build_object('eligible', (SELECT count(*) FROM plan_rooms WHERE skip_reason IS NULL),
                                'present', (SELECT count(*) FROM plan_rooms p JOIN :live.rooms t ON t.friendly_id = p.friendly_id
                                             AND t.meeting_id = p.meeting_id WHERE p.skip_reason IS NULL)),
     'shared_accesses', json_build_object('eligible', (SELECT count(*) FROM want_shares),
                                'present', (SELECT count(*) FROM want_shares w JOIN :live.shared_accesses t
                                             ON t.user_id = w.user_id AND t.room_id = w.room_id)),
     'room_meeting_options', json_build_object('eligible', (SELECT count(*) * :n_options FROM want_options),
                                'present', (SELECT coalesce(sum(same), 0) FROM verified_options)),
     'recordings', json_build_object('eligible', (SELECT count(*) FROM want_recordings),
                                'present', (SELECT count(*) FROM want_recordings w JOIN :live.recordings t
                                             ON t.record_id = w.record_id AND t.room_id = w.room_id)),
     'formats', json_build_object('eligible', (SELECT count(*) FROM want_formats),
                                'present', (SELECT count(*) FROM want_formats w JOIN :live.formats t
                                             ON t.recording_id = w.recording_id AND t.recording_type = w.recording_type
                                            AND t.url = w.url)),
     'site_settings', json_build_object('eligible', (SELECT count(*) FROM want_site_settings),
                                'present', (SELECT count(*) FROM want_site_settings w JOIN :live.site_settings t
                                             ON t.setting_id = w.setting_id AND t.provider = w.provider AND t.value = w.value))),
  'merges', merges_report(),
  'bulk_loaded', (SELECT coalesce(json_agg(tbl), '[]') FROM bulk_loaded),
  'mismatch_count', (SELECT count(*) FROM mismatches),
  'mismatches', (SELECT coalesce(json_agg(json_build_object('entity', entity, 'key', key, 'issue', issue)), '[]')
                   FROM (SELECT * FROM mismatches ORDER BY entity, key LIMIT 50) m),
  'recordings', CASE WHEN :'fill_recordings'::boolean
                     THEN json_build_object('recordings', (SELECT count(*) FROM want_recordings),
                                            'formats', (SELECT count(*) FROM want_formats))
                     ELSE to_json('not filled by this run (greenlight_data_fill_recordings): run Greenlight''s '
                                  'rake server_recordings_sync on the target'::text) END,
  'timings_ms', (SELECT json_object_agg(step, round(extract(epoch FROM at - (SELECT at FROM pg_temp.greenlight_data_clock WHERE step = 'start')) * 1000))
                   FROM pg_temp.greenlight_data_clock WHERE step <> 'start'))::text;
