-- Plans a v2 source (mode v2_to_v3), after transfer.sql: builds the plan
-- tables, with the same columns as plan-v3.sql (plan_users, plan_roles,
-- plan_role_permissions, source_rooms, plan_options, want_site_settings),
-- that plan.sql (conflicts, rooms), apply.sql, verify.sql and report.sql
-- read, and records the problems only v2 can have: who and what is
-- migrated, skipped or in conflict is known before any write.
--
-- psql variables: provider_map, maps (JSON), default_language,
-- email_conflict (merge|skip|fail), pending_users (skip|pending),
-- denied_users (skip|banned), deleted_users (skip|banned), email_as_external_id.
\set ON_ERROR_STOP 1
ANALYZE users; ANALYZE rooms; ANALYZE shared_accesses;

-- 2. Plan the users: one row per source user with its disposition.
CREATE TABLE plan_users AS
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
       -- v2 roles belong to the user's provider.
       (:'provider_map'::jsonb) ->> u.provider AS role_provider,
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

-- Roles: custom v2 roles of the providers in the map, built-ins that must exist.
CREATE TABLE plan_roles AS
SELECT DISTINCT ON (name, provider) r.id AS src_id, upper(left(r.name, 1)) || lower(substr(r.name, 2)) AS name,
       (:'provider_map'::jsonb) ->> r.provider AS provider, coalesce(r.colour, '') AS color, r.created_at, r.updated_at
  FROM roles r
 WHERE NOT (:'maps'::jsonb) -> 'builtin_roles' ? r.name AND (:'provider_map'::jsonb) ? r.provider
 ORDER BY name, provider, r.id;
ANALYZE plan_roles;

-- A custom role's permissions: a v3 permission is granted when any v2
-- permission mapped to it is (apply.sql gives the others the value of the
-- target's User role).
CREATE TABLE plan_role_permissions AS
SELECT rp.role_id AS role_src_id, v3.name AS permission,
       CASE WHEN bool_or(lower(coalesce(rp.value, '')) IN ('true', 't', '1')
                         OR (coalesce(rp.value, '') = '' AND rp.enabled)) THEN 'true' ELSE 'false' END AS value,
       NULL::timestamp AS created_at, NULL::timestamp AS updated_at
  FROM role_permissions rp
  CROSS JOIN LATERAL jsonb_array_elements_text((:'maps'::jsonb) -> 'permissions' -> rp.name) AS v3(name)
 GROUP BY rp.role_id, v3.name;
ANALYZE plan_role_permissions;

-- Rooms (plan.sql plans them from here).
CREATE TABLE source_rooms AS
SELECT r.id AS src_id, r.user_id AS owner_src_id, r.uid AS friendly_id, r.bbb_id AS meeting_id,
       coalesce(nullif(btrim(r.name), ''), r.uid) AS name, r.last_session, r.created_at, r.updated_at,
       r.room_settings, r.access_code, r.moderator_access_code,
       coalesce(r.deleted, false) AS deleted,
       CASE WHEN r.uid IS NULL OR r.bbb_id IS NULL THEN 'no uid or bbb_id' END AS incomplete
  FROM rooms r;

-- The room options a live v2 room sets: the mapped v2 setting or access code,
-- where the room has one (apply.sql gives the other options their default).
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
CREATE TABLE setting_map AS
SELECT m.key, m.value ->> 'option' AS option, m.value ->> 'kind' AS kind
  FROM jsonb_each((:'maps'::jsonb) -> 'room_settings') m
UNION ALL
SELECT c.key, c.value, 'column' FROM jsonb_each_text((:'maps'::jsonb) -> 'room_columns') c;
ANALYZE setting_map;
CREATE TABLE plan_options AS
SELECT * FROM (
  SELECT r.src_id AS room_src_id, m.option AS option_name,
         CASE m.kind
           WHEN 'column' THEN nullif(CASE m.key WHEN 'access_code' THEN r.access_code ELSE r.moderator_access_code END, '')
           WHEN 'guest_policy' THEN CASE WHEN r.settings ->> m.key IS NULL THEN NULL
                                         WHEN lower(r.settings ->> m.key) IN ('true', '1', 't', 'yes') THEN 'ASK_MODERATOR'
                                         ELSE 'ALWAYS_ACCEPT' END
           WHEN 'bool' THEN CASE WHEN r.settings ->> m.key IS NULL THEN NULL
                                 WHEN lower(r.settings ->> m.key) IN ('true', '1', 't', 'yes') THEN 'true'
                                 ELSE 'false' END END AS value,
         NULL::timestamp AS created_at, NULL::timestamp AS updated_at
    FROM (SELECT src_id, access_code, moderator_access_code, settings_object(room_settings) AS settings
            FROM source_rooms WHERE NOT deleted AND incomplete IS NULL) r
    CROSS JOIN setting_map m) o
 WHERE value IS NOT NULL;
ANALYZE plan_options;
\set options_values 'as mapped'

-- Site settings (all three colours and PreuploadPresentation included).
CREATE TABLE want_site_settings AS
SELECT DISTINCT ON (st.id, (:'provider_map'::jsonb) ->> s.provider)
       st.id AS setting_id, st.name, (:'provider_map'::jsonb) ->> s.provider AS provider,
       CASE st.name
         WHEN 'RegistrationMethod' THEN coalesce((:'maps'::jsonb) -> 'registration_methods' ->> f.value, 'open')
         WHEN 'ShareRooms' THEN CASE WHEN lower(coalesce(f.value, '')) IN ('true', '1', 't', 'yes') THEN 'true' ELSE 'false' END
         WHEN 'PreuploadPresentation' THEN CASE WHEN lower(coalesce(f.value, '')) IN ('true', '1', 't', 'yes') THEN 'true' ELSE 'false' END
         ELSE coalesce(f.value, '') END AS value,
       now() AS created_at, now() AS updated_at
  FROM features f
  JOIN settings s ON s.id = f.setting_id
  JOIN public.settings st ON st.name = (:'maps'::jsonb) -> 'site_settings' ->> f.name
 WHERE (:'provider_map'::jsonb) ? s.provider
 ORDER BY st.id, (:'provider_map'::jsonb) ->> s.provider, f.id DESC;
ANALYZE want_site_settings;

INSERT INTO report_parts VALUES
  ('top', 1, 'recordings', to_json('not migrated by this role: run Greenlight''s rake server_recordings_sync on the target'::text));
