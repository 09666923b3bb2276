-- Follows the COPY blocks of export-v3.sql, inside the transaction
-- stage-v3.sql opened (mode v3_to_v3: a whole Greenlight v3 database into
-- another, installed v3 that keeps its own seeded ids). Checks the transfer,
-- plans, stops before any write when the plan has problems, upserts
-- set-based into the tables of the schema written (:live, live-target.sql)
-- keyed on natural keys (never on ids), verifies the result against the
-- snapshot and prints one JSON report (the keys of transform-v2.sql);
-- finish.sql then commits, or rolls back (dry run, mismatches). Problems
-- found while planning roll back here, before any write.
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

-- 1. The transfer: the staging tables hold what the source snapshot held.
INSERT INTO mismatches
SELECT 'transfer', m.tbl, format('source had %s rows (digest %s), staging holds %s (digest %s)', m.n, m.digest, s.n, s.digest)
  FROM manifest m FULL JOIN (
        SELECT 'users' AS tbl, count(*) AS n, md5(coalesce(string_agg(t::text, E'\n' ORDER BY t.id), '')) AS digest FROM users t
  UNION ALL SELECT 'roles', count(*), md5(coalesce(string_agg(t::text, E'\n' ORDER BY t.id), '')) FROM roles t
  UNION ALL SELECT 'permissions', count(*), md5(coalesce(string_agg(t::text, E'\n' ORDER BY t.id), '')) FROM permissions t
  UNION ALL SELECT 'role_permissions', count(*), md5(coalesce(string_agg(t::text, E'\n' ORDER BY t.id), '')) FROM role_permissions t
  UNION ALL SELECT 'rooms', count(*), md5(coalesce(string_agg(t::text, E'\n' ORDER BY t.id), '')) FROM rooms t
  UNION ALL SELECT 'meeting_options', count(*), md5(coalesce(string_agg(t::text, E'\n' ORDER BY t.id), '')) FROM meeting_options t
  UNION ALL SELECT 'room_meeting_options', count(*), md5(coalesce(string_agg(t::text, E'\n' ORDER BY t.id), '')) FROM room_meeting_options t
  UNION ALL SELECT 'shared_accesses', count(*), md5(coalesce(string_agg(t::text, E'\n' ORDER BY t.id), '')) FROM shared_accesses t
  UNION ALL SELECT 'settings', count(*), md5(coalesce(string_agg(t::text, E'\n' ORDER BY t.id), '')) FROM settings t
  UNION ALL SELECT 'site_settings', count(*), md5(coalesce(string_agg(t::text, E'\n' ORDER BY t.id), '')) FROM site_settings t
  UNION ALL SELECT 'recordings', count(*), md5(coalesce(string_agg(t::text, E'\n' ORDER BY t.id), '')) FROM recordings t
  UNION ALL SELECT 'formats', count(*), md5(coalesce(string_agg(t::text, E'\n' ORDER BY t.id), '')) FROM formats t
  UNION ALL SELECT 'rooms_configurations', count(*), md5(coalesce(string_agg(t::text, E'\n' ORDER BY t.id), '')) FROM rooms_configurations t
  ) s USING (tbl)
 WHERE (m.n, m.digest) IS DISTINCT FROM (s.n, s.digest);
INSERT INTO problems SELECT 'The export did not arrive whole: ' || string_agg(key, ', ') || ' differ. Run again.'
  FROM mismatches WHERE entity = 'transfer' HAVING count(*) > 0;

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

-- Two source accounts, one email (case-insensitive), one target provider. The
-- survivor of a merge is the first: verified accounts before unverified ones,
-- then the latest sign-in.
CREATE UNLOGGED TABLE dup_emails AS
SELECT email, provider, array_agg(src_id ORDER BY verified DESC NULLS LAST, last_login DESC NULLS LAST, created_at, src_id) AS ids,
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

SELECT check_v3_validity((:'maps'::jsonb) ->> 'email_format');

SELECT EXISTS (SELECT 1 FROM problems) AS greenlight_data_has_problems \gset
\if :greenlight_data_has_problems
SELECT json_build_object('mode', 'v3_to_v3', 'dry_run', :'dry_run'::boolean, 'committed', false,
  'problems', (SELECT json_agg(message) FROM problems),
  'mismatches', (SELECT coalesce(json_agg(json_build_object('entity', entity, 'key', key, 'issue', issue)), '[]') FROM mismatches))::text;
ROLLBACK;
\q
\endif

-- Nothing below runs unless the plan is clean. Keep Greenlight from writing
-- the tables while the run upserts and verifies them.
LOCK TABLE :live.users, :live.roles, :live.role_permissions, :live.rooms, :live.room_meeting_options,
  :live.shared_accesses, :live.site_settings, :live.rooms_configurations, :live.recordings, :live.formats
  IN SHARE ROW EXCLUSIVE MODE;
INSERT INTO pg_temp.greenlight_data_clock VALUES ('planned', clock_timestamp());

-- 6. Roles and their permissions (by permission name; a permission the target
-- does not know is skipped, one the source does not know keeps the target's
-- value, or for a new role the target's User role value).
WITH up AS (
  INSERT INTO :live.roles (name, color, provider, created_at, updated_at)
  SELECT name, color, provider, created_at, updated_at FROM plan_roles
  ON CONFLICT (name, provider) DO UPDATE SET color = EXCLUDED.color, updated_at = EXCLUDED.updated_at
   WHERE roles.color IS DISTINCT FROM EXCLUDED.color
  RETURNING (xmax = 0) AS inserted)
INSERT INTO report SELECT CASE WHEN inserted THEN 'created' ELSE 'updated' END, 'roles', NULL, count(*) FROM up GROUP BY inserted;

CREATE UNLOGGED TABLE want_role_permissions AS
SELECT t.id AS role_id, perm.id AS permission_id, c.name AS role_name, c.provider, perm.name AS permission,
       coalesce(src.value, cur.value, base.value, 'false') AS value,
       coalesce(src.created_at, c.created_at) AS created_at, coalesce(src.updated_at, c.updated_at) AS updated_at,
       src.value IS NOT NULL AS from_source
  FROM plan_roles c
  JOIN :live.roles t ON t.name = c.name AND t.provider = c.provider
  CROSS JOIN :live.permissions perm
  LEFT JOIN LATERAL (
    SELECT rp.value, rp.created_at, rp.updated_at FROM role_permissions rp JOIN permissions sp ON sp.id = rp.permission_id
     WHERE rp.role_id = c.src_id AND sp.name = perm.name ORDER BY rp.updated_at DESC, rp.id LIMIT 1) src ON true
  LEFT JOIN LATERAL (
    SELECT min(x.value) AS value FROM :live.role_permissions x WHERE x.role_id = t.id AND x.permission_id = perm.id) cur ON true
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

-- 7. Users (the survivors; adopted target accounts keep their own credentials),
-- keyed on (email, provider), written by write-live.sql.
CREATE UNLOGGED TABLE want_users AS
SELECT p.name, p.email, p.external_id, p.provider, p.password_digest, p.last_login, p.created_at, p.updated_at,
       r.id AS role_id, p.language, p.verified, p.status, t.id AS target_id
  FROM plan_users p
  LEFT JOIN :live.roles r ON r.name = p.role_name AND r.provider = p.role_provider
  LEFT JOIN :live.users t ON t.email = p.email AND t.provider = p.provider
 WHERE p.skip_reason IS NULL AND p.survivor_id = p.src_id AND NOT p.adopt;
SELECT write_users(:bulk_load_rows);

\if :pause_before_rooms
SELECT pg_sleep(:pause);
\endif

-- 8. Rooms, keyed on the friendly id (the link members know).
CREATE UNLOGGED TABLE want_rooms AS
SELECT p.*, u.id AS user_id, t.id AS target_id FROM plan_rooms p
  JOIN :live.users u ON u.email = p.owner_email AND u.provider = p.owner_provider
  LEFT JOIN :live.rooms t ON t.friendly_id = p.friendly_id
 WHERE p.skip_reason IS NULL;
ANALYZE want_rooms;
SELECT write_rooms(:bulk_load_rows);

-- 9. One room_meeting_options row per target meeting option for every migrated
-- room: the source room's value for the option of that name, else the default.
CREATE UNLOGGED TABLE source_options AS
SELECT DISTINCT ON (x.room_id, so.name) x.room_id, so.name, x.value, x.created_at, x.updated_at
  FROM room_meeting_options x JOIN meeting_options so ON so.id = x.meeting_option_id
 ORDER BY x.room_id, so.name, x.updated_at DESC, x.id;
ANALYZE source_options;
CREATE UNLOGGED TABLE want_options AS
SELECT t.id AS room_id, o.id AS meeting_option_id, o.name AS option_name, w.friendly_id,
       CASE WHEN src.room_id IS NOT NULL THEN src.value ELSE o.default_value END AS value,
       coalesce(src.created_at, w.created_at) AS created_at, coalesce(src.updated_at, w.updated_at) AS updated_at
  FROM want_rooms w
  JOIN :live.rooms t ON t.friendly_id = w.friendly_id
  CROSS JOIN :live.meeting_options o
  LEFT JOIN source_options src ON src.room_id = w.src_id AND src.name = o.name;
ANALYZE want_options;
CREATE INDEX ON want_options (room_id, meeting_option_id);
WITH up AS (
  UPDATE :live.room_meeting_options t SET value = w.value, updated_at = w.updated_at
    FROM want_options w
   WHERE t.room_id = w.room_id AND t.meeting_option_id = w.meeting_option_id AND t.value IS DISTINCT FROM w.value
  RETURNING 1)
INSERT INTO report SELECT 'updated', 'room_meeting_options', NULL, count(*) FROM up;
CREATE UNLOGGED TABLE new_options AS
SELECT w.room_id, w.meeting_option_id, w.value, w.created_at, w.updated_at FROM want_options w
 WHERE NOT EXISTS (SELECT 1 FROM :live.room_meeting_options t
                    WHERE t.room_id = w.room_id AND t.meeting_option_id = w.meeting_option_id);
-- A first migration adds most of the table: load it in bulk (files/bulk-load.sql).
SELECT bulk_load_begin(format('%I.room_meeting_options', :'live')::regclass, (SELECT count(*) FROM new_options), :bulk_load_rows);
INSERT INTO :live.room_meeting_options (room_id, meeting_option_id, value, created_at, updated_at)
SELECT room_id, meeting_option_id, value, created_at, updated_at FROM new_options;
INSERT INTO report SELECT 'created', 'room_meeting_options', NULL, count(*) FROM new_options;
SELECT bulk_load_end(format('%I.room_meeting_options', :'live')::regclass);

-- 10. Shared accesses (the owner needs no share).
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
 ORDER BY u.id, w.friendly_id, s.created_at, s.id;
ANALYZE want_shares;
SELECT write_shares(:bulk_load_rows);

-- 11. Site settings, by (setting name, target provider); a setting the target
-- does not know is skipped (reported).
CREATE UNLOGGED TABLE want_site_settings AS
SELECT DISTINCT ON (st.id, (:'provider_map'::jsonb) ->> s.provider)
       st.id AS setting_id, st.name, (:'provider_map'::jsonb) ->> s.provider AS provider, s.value,
       s.created_at, s.updated_at
  FROM site_settings s
  JOIN settings ss ON ss.id = s.setting_id
  JOIN :live.settings st ON st.name = ss.name
 WHERE (:'provider_map'::jsonb) ? s.provider
 ORDER BY st.id, (:'provider_map'::jsonb) ->> s.provider, s.updated_at DESC, s.id;
ANALYZE want_site_settings;
WITH up AS (
  UPDATE :live.site_settings t SET value = w.value, updated_at = w.updated_at
    FROM want_site_settings w
   WHERE t.setting_id = w.setting_id AND t.provider = w.provider AND t.value IS DISTINCT FROM w.value
  RETURNING 1)
INSERT INTO report SELECT 'updated', 'site_settings', NULL, count(*) FROM up;
WITH ins AS (
  INSERT INTO :live.site_settings (setting_id, value, provider, created_at, updated_at)
  SELECT w.setting_id, w.value, w.provider, w.created_at, w.updated_at FROM want_site_settings w
   WHERE NOT EXISTS (SELECT 1 FROM :live.site_settings t WHERE t.setting_id = w.setting_id AND t.provider = w.provider)
  RETURNING 1)
INSERT INTO report SELECT 'created', 'site_settings', NULL, count(*) FROM ins;

-- Room configurations (per provider: which meeting options members may set),
-- by (meeting option name, target provider).
CREATE UNLOGGED TABLE want_rooms_configurations AS
SELECT DISTINCT ON (o.id, (:'provider_map'::jsonb) ->> c.provider)
       o.id AS meeting_option_id, o.name, (:'provider_map'::jsonb) ->> c.provider AS provider, c.value,
       c.created_at, c.updated_at
  FROM rooms_configurations c
  JOIN meeting_options so ON so.id = c.meeting_option_id
  JOIN :live.meeting_options o ON o.name = so.name
 WHERE (:'provider_map'::jsonb) ? c.provider
 ORDER BY o.id, (:'provider_map'::jsonb) ->> c.provider, c.updated_at DESC, c.id;
ANALYZE want_rooms_configurations;
WITH up AS (
  INSERT INTO :live.rooms_configurations (meeting_option_id, provider, value, created_at, updated_at)
  SELECT meeting_option_id, provider, value, created_at, updated_at FROM want_rooms_configurations
  ON CONFLICT (meeting_option_id, provider) DO UPDATE SET value = EXCLUDED.value, updated_at = EXCLUDED.updated_at
   WHERE rooms_configurations.value IS DISTINCT FROM EXCLUDED.value
  RETURNING (xmax = 0) AS inserted)
INSERT INTO report SELECT CASE WHEN inserted THEN 'created' ELSE 'updated' END, 'rooms_configurations', NULL, count(*)
  FROM up GROUP BY inserted;

-- 12. Recordings and their formats, written by write-live.sql (keyed on record_id
-- and on (recording, type)): the source's rows for the migrated rooms.
CREATE UNLOGGED TABLE want_recordings AS
SELECT p.*, t.id AS room_id FROM plan_recordings p JOIN :live.rooms t ON t.friendly_id = p.friendly_id
 WHERE p.skip_reason IS NULL;
ANALYZE want_recordings;
CREATE UNLOGGED TABLE plan_formats AS
SELECT DISTINCT ON (w.record_id, f.recording_type) w.record_id, f.recording_type, f.url, f.created_at, f.updated_at
  FROM formats f
  JOIN want_recordings w ON w.src_id = f.recording_id
 ORDER BY w.record_id, f.recording_type, f.updated_at DESC, f.id;
SELECT write_recordings();
INSERT INTO pg_temp.greenlight_data_clock VALUES ('transformed', clock_timestamp());

-- 13. Verify every migrated entity against the snapshot.
INSERT INTO mismatches
SELECT 'user', p.email || ' (' || p.provider || ')',
       CASE WHEN u.id IS NULL THEN 'missing on the target'
            WHEN u.password_digest IS DISTINCT FROM p.password_digest THEN 'password digest differs'
            WHEN u.external_id IS DISTINCT FROM p.external_id THEN 'external id differs'
            WHEN u.status IS DISTINCT FROM p.status THEN 'status differs'
            ELSE 'created_at differs' END
  FROM plan_users p LEFT JOIN :live.users u ON u.email = p.email AND u.provider = p.provider
 WHERE p.skip_reason IS NULL AND p.survivor_id = p.src_id AND NOT p.adopt
   AND (u.id IS NULL OR (u.password_digest, u.external_id, u.status, u.created_at)
                        IS DISTINCT FROM (p.password_digest, p.external_id, p.status, p.created_at));
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
SELECT 'room options', w.friendly_id, format('%s meeting option rows, %s expected (one per option, values as the source)', coalesce(a.n, 0), o.n)
  FROM want_rooms w JOIN :live.rooms t ON t.friendly_id = w.friendly_id
  CROSS JOIN (SELECT count(*) AS n FROM :live.meeting_options) o
  LEFT JOIN (SELECT x.room_id, count(*) AS n, bool_and(x.value IS NOT DISTINCT FROM y.value) AS same
               FROM :live.room_meeting_options x
               LEFT JOIN want_options y ON y.room_id = x.room_id AND y.meeting_option_id = x.meeting_option_id
              GROUP BY x.room_id) a ON a.room_id = t.id
 WHERE a.n IS DISTINCT FROM o.n OR NOT a.same;
INSERT INTO mismatches
SELECT 'shared access', w.email || ' -> ' || w.friendly_id, 'missing on the target'
  FROM want_shares w
 WHERE NOT EXISTS (SELECT 1 FROM :live.shared_accesses t WHERE t.user_id = w.user_id AND t.room_id = w.room_id);
INSERT INTO mismatches
SELECT 'role permission', w.role_name || ' (' || w.provider || ') ' || w.permission, format('expected %L', w.value)
  FROM want_role_permissions w
 WHERE NOT EXISTS (SELECT 1 FROM :live.role_permissions t
                    WHERE t.role_id = w.role_id AND t.permission_id = w.permission_id AND t.value = w.value);
INSERT INTO mismatches
SELECT 'site setting', w.name || ' (' || w.provider || ')', format('expected %L', w.value)
  FROM want_site_settings w
 WHERE NOT EXISTS (SELECT 1 FROM :live.site_settings t
                    WHERE t.setting_id = w.setting_id AND t.provider = w.provider AND t.value = w.value);
INSERT INTO mismatches
SELECT 'room configuration', w.name || ' (' || w.provider || ')', format('expected %L', w.value)
  FROM want_rooms_configurations w
 WHERE NOT EXISTS (SELECT 1 FROM :live.rooms_configurations t
                    WHERE t.meeting_option_id = w.meeting_option_id AND t.provider = w.provider AND t.value = w.value);
SELECT verify_recordings();
INSERT INTO pg_temp.greenlight_data_clock VALUES ('verified', clock_timestamp());

-- 14. The report (finish.sql then commits or rolls back).
SELECT (:'dry_run'::boolean OR EXISTS (SELECT 1 FROM mismatches)) AS greenlight_data_rollback \gset
SELECT json_build_object(
  'mode', 'v3_to_v3',
  'dry_run', :'dry_run'::boolean,
  'committed', NOT :'greenlight_data_rollback'::boolean,
  'problems', '[]'::json,
  'source', (SELECT json_object_agg(tbl, n) FROM manifest),
  'created', (SELECT json_object_agg(e, coalesce((SELECT sum(n) FROM report r WHERE r.section = 'created' AND r.entity = e), 0))
                FROM unnest(ARRAY['users', 'roles', 'role_permissions', 'rooms', 'room_meeting_options', 'shared_accesses',
                                  'site_settings', 'rooms_configurations', 'recordings', 'formats']) e),
  'updated', (SELECT json_object_agg(e, coalesce((SELECT sum(n) FROM report r WHERE r.section = 'updated' AND r.entity = e), 0))
                FROM unnest(ARRAY['users', 'roles', 'role_permissions', 'rooms', 'room_meeting_options', 'site_settings',
                                  'rooms_configurations', 'recordings', 'formats']) e),
  'skipped', json_build_object(
     'users', (SELECT coalesce(json_object_agg(reason, n), '{}') FROM (
                 SELECT skip_reason AS reason, count(*) AS n FROM plan_users WHERE skip_reason IS NOT NULL GROUP BY 1
                 UNION ALL SELECT 'merged into another account', count(*) FROM plan_users
                  WHERE skip_reason IS NULL AND survivor_id <> src_id HAVING count(*) > 0) x),
     'users_adopted', (SELECT count(*) FROM plan_users WHERE adopt AND survivor_id = src_id),
     'rooms', (SELECT coalesce(json_object_agg(skip_reason, n), '{}') FROM (
                 SELECT skip_reason, count(*) AS n FROM plan_rooms WHERE skip_reason IS NOT NULL GROUP BY 1) x),
     'recordings', (SELECT coalesce(json_object_agg(skip_reason, n), '{}') FROM (
                 SELECT skip_reason, count(*) AS n FROM plan_recordings WHERE skip_reason IS NOT NULL GROUP BY 1) x),
     'roles_unmapped_provider', (SELECT count(*) FROM roles WHERE NOT (:'provider_map'::jsonb) ? provider),
     'site_settings_unknown_to_target', (SELECT count(*) FROM site_settings s JOIN settings ss ON ss.id = s.setting_id
                                          WHERE NOT EXISTS (SELECT 1 FROM :live.settings st WHERE st.name = ss.name)),
     'meeting_options_unknown_to_target', (SELECT coalesce(json_agg(name ORDER BY name), '[]') FROM meeting_options so
                                            WHERE NOT EXISTS (SELECT 1 FROM :live.meeting_options o WHERE o.name = so.name)),
     'permissions_unknown_to_target', (SELECT coalesce(json_agg(name ORDER BY name), '[]') FROM permissions sp
                                        WHERE NOT EXISTS (SELECT 1 FROM :live.permissions p WHERE p.name = sp.name)),
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
     'room_meeting_options', json_build_object('eligible', (SELECT count(*) FROM want_options),
                                'present', (SELECT count(*) FROM want_options w JOIN :live.room_meeting_options t
                                             ON t.room_id = w.room_id AND t.meeting_option_id = w.meeting_option_id
                                            AND t.value IS NOT DISTINCT FROM w.value)),
     'role_permissions', json_build_object('eligible', (SELECT count(*) FROM want_role_permissions),
                                'present', (SELECT count(*) FROM want_role_permissions w JOIN :live.role_permissions t
                                             ON t.role_id = w.role_id AND t.permission_id = w.permission_id AND t.value = w.value)),
     'site_settings', json_build_object('eligible', (SELECT count(*) FROM want_site_settings),
                                'present', (SELECT count(*) FROM want_site_settings w JOIN :live.site_settings t
                                             ON t.setting_id = w.setting_id AND t.provider = w.provider AND t.value = w.value)),
     'rooms_configurations', json_build_object('eligible', (SELECT count(*) FROM want_rooms_configurations),
                                'present', (SELECT count(*) FROM want_rooms_configurations w JOIN :live.rooms_configurations t
                                             ON t.meeting_option_id = w.meeting_option_id AND t.provider = w.provider
                                            AND t.value = w.value)),
     'recordings', json_build_object('eligible', (SELECT count(*) FROM plan_recordings WHERE skip_reason IS NULL),
                                'present', (SELECT count(*) FROM plan_recordings p JOIN :live.recordings t ON t.record_id = p.record_id
                                             WHERE p.skip_reason IS NULL)),
     'formats', json_build_object('eligible', (SELECT count(*) FROM want_formats),
                                'present', (SELECT count(*) FROM want_formats w JOIN :live.formats t
                                             ON t.recording_id = w.recording_id AND t.recording_type = w.recording_type
                                            AND t.url = w.url))),
  'merges', merges_report(),
  'bulk_loaded', (SELECT coalesce(json_agg(tbl), '[]') FROM bulk_loaded),
  'mismatch_count', (SELECT count(*) FROM mismatches),
  'mismatches', (SELECT coalesce(json_agg(json_build_object('entity', entity, 'key', key, 'issue', issue)), '[]')
                   FROM (SELECT * FROM mismatches ORDER BY entity, key LIMIT 50) m),
  'recordings', json_build_object('recordings', (SELECT count(*) FROM want_recordings), 'formats', (SELECT count(*) FROM want_formats)),
  'timings_ms', (SELECT json_object_agg(step, round(extract(epoch FROM at - (SELECT at FROM pg_temp.greenlight_data_clock WHERE step = 'start')) * 1000))
                   FROM pg_temp.greenlight_data_clock WHERE step <> 'start'))::text;
