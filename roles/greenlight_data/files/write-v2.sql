-- The writes of a v2 -> v3 run, after plan-v2.sql and gate.sql: upserts
-- set-based into the tables of the schema written (:live, live-target.sql)
-- keyed on natural keys, verifies the result against the snapshot and prints
-- one JSON report; finish.sql then commits, or rolls back (dry run,
-- mismatches). psql variables: those of plan-v2.sql.
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
SELECT write_role_permissions();

INSERT INTO pg_temp.greenlight_data_clock VALUES ('roles', clock_timestamp());

-- 4. Users (the survivors; adopted target accounts keep their own credentials),
-- keyed on (email, provider), written by shared.sql.
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
         ELSE coalesce(f.value, '') END AS value,
       now() AS created_at, now() AS updated_at  -- v2 features carry no times of their own
  FROM features f
  JOIN settings s ON s.id = f.setting_id
  JOIN :live.settings st ON st.name = (:'maps'::jsonb) -> 'site_settings' ->> f.name
 WHERE (:'provider_map'::jsonb) ? s.provider
 ORDER BY st.id, (:'provider_map'::jsonb) ->> s.provider, f.id DESC;
ANALYZE want_site_settings;
SELECT write_site_settings();

-- 9. Recordings of migrated rooms and their formats (written by shared.sql).
CREATE UNLOGGED TABLE want_recordings AS
SELECT p.*, t.id AS room_id FROM plan_recordings p JOIN :live.rooms t ON t.friendly_id = p.friendly_id
 WHERE p.skip_reason IS NULL;
CREATE UNLOGGED TABLE plan_formats AS
SELECT f.record_id, f.recording_type, f.url, w.created_at, w.updated_at FROM bbb_formats f JOIN want_recordings w USING (record_id);
SELECT write_recordings();
INSERT INTO pg_temp.greenlight_data_clock VALUES ('transformed', clock_timestamp());

-- 10. Verify every migrated entity against the snapshot.
SELECT verify_members();  -- accounts, rooms, shares, site settings (shared.sql)
CREATE UNLOGGED TABLE verified_options AS SELECT * FROM room_options_state;
INSERT INTO mismatches
SELECT 'room options', w.friendly_id,
       format('%s meeting option rows, %s with the mapped value, %s expected (one per option, values as mapped)',
              coalesce(v.n, 0), coalesce(v.same, 0), :n_options)
  FROM want_options w LEFT JOIN verified_options v ON v.room_id = w.room_id
 WHERE (v.n, v.options, v.same) IS DISTINCT FROM (:n_options, :all_options, :n_options);
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
  -- A few migrated rooms whose links a check from outside can follow (cutover_verify).
  'sample_rooms', (SELECT coalesce(json_agg(friendly_id ORDER BY friendly_id), '[]') FROM (
                     SELECT friendly_id FROM plan_rooms WHERE skip_reason IS NULL
                      ORDER BY md5(friendly_id) LIMIT 3) s),
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
