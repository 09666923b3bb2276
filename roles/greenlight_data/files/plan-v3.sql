-- Plans a v3 source (mode v3_to_v3: a whole Greenlight v3 database into
-- another, installed v3 that keeps its own seeded ids), after transfer.sql:
-- builds the plan tables, with the same columns as plan-v2.sql (plan_users,
-- plan_roles, plan_role_permissions, source_rooms, plan_options,
-- want_site_settings), that plan.sql (conflicts, rooms), apply.sql,
-- verify.sql and report.sql read, and records the problems only v3 can have.
-- plan-v3-recordings.sql follows plan.sql for the recordings.
--
-- Natural keys: roles (name, provider), permissions name, settings name,
-- meeting_options name, users (lower(email), provider), rooms friendly_id
-- (meeting_id must match), shared_accesses (user, room), site_settings
-- (setting, provider), recordings record_id, formats (recording,
-- recording_type), rooms_configurations (meeting option, provider). Only rows
-- that differ are written.
--
-- psql variables: provider_map, default_language, email_conflict
-- (merge|skip|fail), email_as_external_id. Status values are copied as they are.
\set ON_ERROR_STOP 1
ANALYZE users; ANALYZE rooms; ANALYZE room_meeting_options; ANALYZE shared_accesses; ANALYZE recordings; ANALYZE formats;

-- 2. Roles: every source role of a mapped provider, by (name, target provider).
CREATE TABLE plan_roles AS
SELECT DISTINCT ON (r.name, (:'provider_map'::jsonb) ->> r.provider)
       r.id AS src_id, r.name, (:'provider_map'::jsonb) ->> r.provider AS provider, coalesce(r.color, '') AS color,
       r.created_at, r.updated_at
  FROM roles r
 WHERE (:'provider_map'::jsonb) ? r.provider
 ORDER BY r.name, (:'provider_map'::jsonb) ->> r.provider, r.created_at, r.id;
ANALYZE plan_roles;

-- A role's permissions, by permission name (apply.sql: a permission the
-- target does not know is skipped, one the source does not know keeps the
-- target's value, or for a new role the target's User role value).
CREATE TABLE plan_role_permissions AS
SELECT DISTINCT ON (rp.role_id, sp.name) rp.role_id AS role_src_id, sp.name AS permission, rp.value,
       rp.created_at, rp.updated_at
  FROM role_permissions rp JOIN permissions sp ON sp.id = rp.permission_id
 ORDER BY rp.role_id, sp.name, rp.updated_at DESC, rp.id;
ANALYZE plan_role_permissions;

-- 3. Users: one row per source user with its disposition.
CREATE TABLE plan_users AS
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

-- 4. Rooms (plan.sql plans them from here).
CREATE TABLE source_rooms AS
SELECT r.id AS src_id, r.user_id AS owner_src_id, r.friendly_id, r.meeting_id,
       coalesce(nullif(btrim(r.name), ''), r.friendly_id) AS name, r.last_session, r.created_at, r.updated_at,
       false AS deleted, NULL::text AS incomplete
  FROM rooms r;

-- A source room's value for each meeting option, by option name (apply.sql
-- gives the options it has no row for their default).
CREATE TABLE plan_options AS
SELECT DISTINCT ON (x.room_id, so.name) x.room_id AS room_src_id, so.name AS option_name, x.value,
       x.created_at, x.updated_at
  FROM room_meeting_options x JOIN meeting_options so ON so.id = x.meeting_option_id
 ORDER BY x.room_id, so.name, x.updated_at DESC, x.id;
ANALYZE plan_options;
\set options_values 'as the source'

-- Site settings, by (setting name, target provider); a setting the target
-- does not know is skipped (reported).
CREATE TABLE want_site_settings AS
SELECT DISTINCT ON (st.id, (:'provider_map'::jsonb) ->> s.provider)
       st.id AS setting_id, st.name, (:'provider_map'::jsonb) ->> s.provider AS provider, s.value,
       s.created_at, s.updated_at
  FROM site_settings s
  JOIN settings ss ON ss.id = s.setting_id
  JOIN public.settings st ON st.name = ss.name
 WHERE (:'provider_map'::jsonb) ? s.provider
 ORDER BY st.id, (:'provider_map'::jsonb) ->> s.provider, s.updated_at DESC, s.id;
ANALYZE want_site_settings;

-- What the report's skipped section says only of a v3 source.
INSERT INTO report_parts
SELECT 'skipped', 50, 'roles_unmapped_provider', to_json((SELECT count(*) FROM roles WHERE NOT (:'provider_map'::jsonb) ? provider))
UNION ALL
SELECT 'skipped', 60, 'site_settings_unknown_to_target', to_json((SELECT count(*) FROM site_settings s JOIN settings ss ON ss.id = s.setting_id
                                                                   WHERE NOT EXISTS (SELECT 1 FROM public.settings st WHERE st.name = ss.name)))
UNION ALL
SELECT 'skipped', 70, 'meeting_options_unknown_to_target', (SELECT coalesce(json_agg(name ORDER BY name), '[]') FROM meeting_options so
                                                             WHERE NOT EXISTS (SELECT 1 FROM public.meeting_options o WHERE o.name = so.name))
UNION ALL
SELECT 'skipped', 80, 'permissions_unknown_to_target', (SELECT coalesce(json_agg(name ORDER BY name), '[]') FROM permissions sp
                                                         WHERE NOT EXISTS (SELECT 1 FROM public.permissions p WHERE p.name = sp.name));
