-- Writes the plan, after plan.sql (and plan-v3-recordings.sql), for either generation:
-- stops before any write when the plan has problems, then upserts set-based
-- into the live v3 tables keyed on natural keys (never on ids); only rows
-- that differ are written. apply-v3.sql follows for what only a v3 source
-- has (room configurations, recordings).
--
-- psql variables: mode, dry_run (true|false), source_v3, pause (seconds),
-- pause_before_rooms, bulk_load_rows, options_values (set by the plan file).
\set ON_ERROR_STOP 1
SELECT EXISTS (SELECT 1 FROM problems) AS greenlight_data_has_problems \gset
\if :greenlight_data_has_problems
SELECT json_build_object('mode', :'mode', 'dry_run', :'dry_run'::boolean, 'committed', false,
  'problems', (SELECT json_agg(message) FROM problems),
  'mismatches', (SELECT coalesce(json_agg(json_build_object('entity', entity, 'key', key, 'issue', issue)), '[]') FROM mismatches))::text;
ROLLBACK;
\q
\endif

-- Nothing below runs unless the plan is clean. Keep Greenlight from writing
-- the tables while the run upserts and verifies them.
LOCK TABLE public.users, public.roles, public.role_permissions, public.rooms, public.room_meeting_options,
  public.shared_accesses, public.site_settings IN SHARE ROW EXCLUSIVE MODE;
\if :source_v3
LOCK TABLE public.rooms_configurations, public.recordings, public.formats IN SHARE ROW EXCLUSIVE MODE;
\endif
INSERT INTO pg_temp.greenlight_data_clock VALUES ('planned', clock_timestamp());

-- 6. Roles and their permissions (by permission name; a permission the target
-- does not know is skipped). A v3 source's role keeps the target's value of a
-- permission the source does not have; otherwise (and for a v2 source) the
-- value is the target's User role's. A v2 source's roles keep the target's
-- updated_at.
WITH up AS (
  INSERT INTO public.roles (name, color, provider, created_at, updated_at)
  SELECT name, color, provider, created_at, updated_at FROM plan_roles
  ON CONFLICT (name, provider) DO UPDATE SET color = EXCLUDED.color,
    updated_at = CASE WHEN :'source_v3'::boolean THEN EXCLUDED.updated_at ELSE roles.updated_at END
   WHERE roles.color IS DISTINCT FROM EXCLUDED.color
  RETURNING (xmax = 0) AS inserted)
INSERT INTO report SELECT CASE WHEN inserted THEN 'created' ELSE 'updated' END, 'roles', NULL, count(*) FROM up GROUP BY inserted;

CREATE TABLE want_role_permissions AS
SELECT t.id AS role_id, perm.id AS permission_id, c.name AS role_name, c.provider, perm.name AS permission,
       coalesce(src.value, CASE WHEN :'source_v3'::boolean THEN cur.value END, base.value, 'false') AS value,
       coalesce(src.created_at, c.created_at) AS created_at, coalesce(src.updated_at, c.updated_at) AS updated_at
  FROM plan_roles c
  JOIN public.roles t ON t.name = c.name AND t.provider = c.provider
  CROSS JOIN public.permissions perm
  LEFT JOIN plan_role_permissions src ON src.role_src_id = c.src_id AND src.permission = perm.name
  LEFT JOIN LATERAL (
    SELECT min(x.value) AS value FROM public.role_permissions x WHERE x.role_id = t.id AND x.permission_id = perm.id) cur ON true
  LEFT JOIN LATERAL (
    SELECT min(b.value) AS value FROM public.role_permissions b JOIN public.roles br ON br.id = b.role_id
     WHERE br.name = 'User' AND br.provider = c.provider AND b.permission_id = perm.id) base ON true;
ANALYZE want_role_permissions;
WITH up AS (
  UPDATE public.role_permissions t SET value = w.value, updated_at = w.updated_at
    FROM want_role_permissions w
   WHERE t.role_id = w.role_id AND t.permission_id = w.permission_id AND t.value IS DISTINCT FROM w.value
  RETURNING 1)
INSERT INTO report SELECT 'updated', 'role_permissions', NULL, count(*) FROM up;
WITH ins AS (
  INSERT INTO public.role_permissions (role_id, permission_id, value, created_at, updated_at)
  SELECT w.role_id, w.permission_id, w.value, w.created_at, w.updated_at FROM want_role_permissions w
   WHERE NOT EXISTS (SELECT 1 FROM public.role_permissions t WHERE t.role_id = w.role_id AND t.permission_id = w.permission_id)
  RETURNING 1)
INSERT INTO report SELECT 'created', 'role_permissions', NULL, count(*) FROM ins;

INSERT INTO pg_temp.greenlight_data_clock VALUES ('roles', clock_timestamp());

-- 7. Users (the survivors; adopted target accounts keep their own credentials).
WITH up AS (
  INSERT INTO public.users (name, email, external_id, provider, password_digest, last_login, created_at, updated_at,
                            role_id, language, verified, status)
  SELECT p.name, p.email, p.external_id, p.provider, p.password_digest, p.last_login, p.created_at, p.updated_at,
         r.id, p.language, p.verified, p.status
    FROM plan_users p LEFT JOIN public.roles r ON r.name = p.role_name AND r.provider = p.role_provider
   WHERE p.skip_reason IS NULL AND p.survivor_id = p.src_id AND NOT p.adopt
  ON CONFLICT (email, provider) DO UPDATE SET
    name = EXCLUDED.name, external_id = EXCLUDED.external_id, password_digest = EXCLUDED.password_digest,
    last_login = EXCLUDED.last_login, updated_at = EXCLUDED.updated_at, role_id = EXCLUDED.role_id,
    language = EXCLUDED.language, verified = EXCLUDED.verified, status = EXCLUDED.status
   WHERE (users.name, users.external_id, users.password_digest, users.last_login, users.updated_at, users.role_id,
          users.language, users.verified, users.status)
         IS DISTINCT FROM
         (EXCLUDED.name, EXCLUDED.external_id, EXCLUDED.password_digest, EXCLUDED.last_login, EXCLUDED.updated_at,
          EXCLUDED.role_id, EXCLUDED.language, EXCLUDED.verified, EXCLUDED.status)
  RETURNING (xmax = 0) AS inserted)
INSERT INTO report SELECT CASE WHEN inserted THEN 'created' ELSE 'updated' END, 'users', NULL, count(*) FROM up GROUP BY inserted;

INSERT INTO pg_temp.greenlight_data_clock VALUES ('users', clock_timestamp());

\if :pause_before_rooms
SELECT pg_sleep(:pause);
\endif

-- 8. Rooms, keyed on the friendly id (the link members know).
CREATE TABLE want_rooms AS
SELECT p.*, u.id AS user_id FROM plan_rooms p
  JOIN public.users u ON u.email = p.owner_email AND u.provider = p.owner_provider
 WHERE p.skip_reason IS NULL;
ANALYZE want_rooms;
WITH up AS (
  INSERT INTO public.rooms (user_id, name, friendly_id, meeting_id, last_session, created_at, updated_at)
  SELECT user_id, name, friendly_id, meeting_id, last_session, created_at, updated_at FROM want_rooms
  ON CONFLICT (friendly_id) DO UPDATE SET
    user_id = EXCLUDED.user_id, name = EXCLUDED.name, last_session = EXCLUDED.last_session,
    updated_at = EXCLUDED.updated_at
   WHERE (rooms.user_id, rooms.name, rooms.last_session, rooms.updated_at)
         IS DISTINCT FROM (EXCLUDED.user_id, EXCLUDED.name, EXCLUDED.last_session, EXCLUDED.updated_at)
  RETURNING (xmax = 0) AS inserted)
INSERT INTO report SELECT CASE WHEN inserted THEN 'created' ELSE 'updated' END, 'rooms', NULL, count(*) FROM up GROUP BY inserted;

INSERT INTO pg_temp.greenlight_data_clock VALUES ('rooms', clock_timestamp());

-- 9. One room_meeting_options row per target meeting option for every
-- migrated room: the source room's value for that option (plan_options), else
-- the option's default.
CREATE TABLE want_options AS
SELECT t.id AS room_id, o.id AS meeting_option_id, o.name AS option_name, w.friendly_id,
       CASE WHEN src.room_src_id IS NOT NULL THEN src.value ELSE o.default_value END AS value,
       coalesce(src.created_at, w.created_at) AS created_at, coalesce(src.updated_at, w.updated_at) AS updated_at
  FROM want_rooms w
  JOIN public.rooms t ON t.friendly_id = w.friendly_id
  CROSS JOIN public.meeting_options o
  LEFT JOIN plan_options src ON src.room_src_id = w.src_id AND src.option_name = o.name;
ANALYZE want_options;
CREATE INDEX ON want_options (room_id, meeting_option_id);
WITH up AS (
  UPDATE public.room_meeting_options t SET value = w.value, updated_at = w.updated_at
    FROM want_options w
   WHERE t.room_id = w.room_id AND t.meeting_option_id = w.meeting_option_id AND t.value IS DISTINCT FROM w.value
  RETURNING 1)
INSERT INTO report SELECT 'updated', 'room_meeting_options', NULL, count(*) FROM up;
CREATE TABLE new_options AS
SELECT w.room_id, w.meeting_option_id, w.value, w.created_at, w.updated_at FROM want_options w
 WHERE NOT EXISTS (SELECT 1 FROM public.room_meeting_options t
                    WHERE t.room_id = w.room_id AND t.meeting_option_id = w.meeting_option_id);
ANALYZE new_options;
-- A first migration adds most of the table: load it in bulk (files/bulk-load.sql).
SELECT :bulk_load_rows::bigint > 0 AND n >= :bulk_load_rows::bigint
       AND n * 4 >= (SELECT count(*) FROM public.room_meeting_options) AS greenlight_data_bulk
  FROM (SELECT count(*) AS n FROM new_options) c \gset
\if :greenlight_data_bulk
SELECT bulk_load_begin('public.room_meeting_options');
INSERT INTO bulk_loaded VALUES ('room_meeting_options');
\endif
INSERT INTO public.room_meeting_options (room_id, meeting_option_id, value, created_at, updated_at)
SELECT room_id, meeting_option_id, value, created_at, updated_at FROM new_options;
INSERT INTO report SELECT 'created', 'room_meeting_options', NULL, count(*) FROM new_options;
\if :greenlight_data_bulk
SELECT bulk_load_end('public.room_meeting_options');
\endif

INSERT INTO pg_temp.greenlight_data_clock VALUES ('room_meeting_options', clock_timestamp());

-- 10. Shared accesses (a v2 source may hold duplicates; the owner needs no
-- share). Of duplicates the first wins: a v3 source's by created_at then id,
-- a v2 source's by id.
CREATE TABLE want_shares AS
SELECT DISTINCT ON (u.id, w.friendly_id) u.id AS user_id, t.id AS room_id, w.friendly_id, p.email, p.provider,
       s.created_at, s.updated_at
  FROM shared_accesses s
  JOIN want_rooms w ON w.src_id = s.room_id
  JOIN public.rooms t ON t.friendly_id = w.friendly_id
  JOIN plan_users q ON q.src_id = s.user_id AND q.skip_reason IS NULL
  JOIN plan_users p ON p.src_id = q.survivor_id
  JOIN public.users u ON u.email = p.email AND u.provider = p.provider
 WHERE u.id <> t.user_id
 ORDER BY u.id, w.friendly_id, CASE WHEN :'source_v3'::boolean THEN s.created_at END, s.id;
ANALYZE want_shares;
WITH ins AS (
  INSERT INTO public.shared_accesses (user_id, room_id, created_at, updated_at)
  SELECT user_id, room_id, created_at, updated_at FROM want_shares
  ON CONFLICT (user_id, room_id) DO NOTHING
  RETURNING 1)
INSERT INTO report SELECT 'created', 'shared_accesses', NULL, count(*) FROM ins;

INSERT INTO pg_temp.greenlight_data_clock VALUES ('shared_accesses', clock_timestamp());

-- 11. Site settings (want_site_settings, from the plan).
WITH up AS (
  UPDATE public.site_settings t SET value = w.value, updated_at = w.updated_at
    FROM want_site_settings w
   WHERE t.setting_id = w.setting_id AND t.provider = w.provider AND t.value IS DISTINCT FROM w.value
  RETURNING 1)
INSERT INTO report SELECT 'updated', 'site_settings', NULL, count(*) FROM up;
WITH ins AS (
  INSERT INTO public.site_settings (setting_id, value, provider, created_at, updated_at)
  SELECT w.setting_id, w.value, w.provider, w.created_at, w.updated_at FROM want_site_settings w
   WHERE NOT EXISTS (SELECT 1 FROM public.site_settings t WHERE t.setting_id = w.setting_id AND t.provider = w.provider)
  RETURNING 1)
INSERT INTO report SELECT 'created', 'site_settings', NULL, count(*) FROM ins;
