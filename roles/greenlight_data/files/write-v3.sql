-- The writes of a v3 -> v3 run, after plan-v3.sql and gate.sql: upserts
-- set-based into the tables of the schema written (:live, live-target.sql)
-- keyed on natural keys, verifies the result against the snapshot and prints
-- one JSON report; finish.sql then commits, or rolls back (dry run,
-- mismatches). psql variables: those of plan-v3.sql.
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
SELECT write_role_permissions();

-- 7. Users (the survivors; adopted target accounts keep their own credentials),
-- keyed on (email, provider), written by shared.sql.
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
SELECT write_site_settings();

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

-- 12. Recordings and their formats, written by shared.sql (keyed on record_id
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
SELECT verify_members();  -- accounts, rooms, shares, site settings (shared.sql)
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
SELECT 'role permission', w.role_name || ' (' || w.provider || ') ' || w.permission, format('expected %L', w.value)
  FROM want_role_permissions w
 WHERE NOT EXISTS (SELECT 1 FROM :live.role_permissions t
                    WHERE t.role_id = w.role_id AND t.permission_id = w.permission_id AND t.value = w.value);
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
  -- A few migrated rooms whose links a check from outside can follow (cutover_verify).
  'sample_rooms', (SELECT coalesce(json_agg(friendly_id ORDER BY friendly_id), '[]') FROM (
                     SELECT friendly_id FROM plan_rooms WHERE skip_reason IS NULL
                      ORDER BY md5(friendly_id) LIMIT 3) s),
  'merges', merges_report(),
  'bulk_loaded', (SELECT coalesce(json_agg(tbl), '[]') FROM bulk_loaded),
  'mismatch_count', (SELECT count(*) FROM mismatches),
  'mismatches', (SELECT coalesce(json_agg(json_build_object('entity', entity, 'key', key, 'issue', issue)), '[]')
                   FROM (SELECT * FROM mismatches ORDER BY entity, key LIMIT 50) m),
  'recordings', json_build_object('recordings', (SELECT count(*) FROM want_recordings), 'formats', (SELECT count(*) FROM want_formats)),
  'timings_ms', (SELECT json_object_agg(step, round(extract(epoch FROM at - (SELECT at FROM pg_temp.greenlight_data_clock WHERE step = 'start')) * 1000))
                   FROM pg_temp.greenlight_data_clock WHERE step <> 'start'))::text;
