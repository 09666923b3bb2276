-- Verifies every migrated entity against the snapshot, after apply.sql (and
-- apply-v3.sql), for either generation: each difference is a mismatch, which
-- rolls the run back (report.sql); counts per entity go to the report.
--
-- psql variables: source_v3, options_values (set by the plan file).
\set ON_ERROR_STOP 1
INSERT INTO pg_temp.greenlight_data_clock VALUES ('transformed', clock_timestamp());

-- 14. Verify every migrated entity against the snapshot.
INSERT INTO mismatches
SELECT 'user', p.email || ' (' || p.provider || ')',
       CASE WHEN u.id IS NULL THEN 'missing on the target'
            WHEN u.password_digest IS DISTINCT FROM p.password_digest THEN 'password digest differs'
            WHEN u.external_id IS DISTINCT FROM p.external_id THEN 'external id differs'
            WHEN u.status IS DISTINCT FROM p.status THEN 'status differs'
            ELSE 'created_at differs' END
  FROM plan_users p LEFT JOIN public.users u ON u.email = p.email AND u.provider = p.provider
 WHERE p.skip_reason IS NULL AND p.survivor_id = p.src_id AND NOT p.adopt
   AND (u.id IS NULL OR (u.password_digest, u.external_id, u.status, u.created_at)
                        IS DISTINCT FROM (p.password_digest, p.external_id, p.status, p.created_at));
INSERT INTO mismatches
SELECT 'room', p.friendly_id,
       CASE WHEN t.id IS NULL THEN 'missing on the target'
            WHEN t.meeting_id IS DISTINCT FROM p.meeting_id THEN 'meeting id differs'
            ELSE 'owner differs' END
  FROM plan_rooms p
  LEFT JOIN public.rooms t ON t.friendly_id = p.friendly_id
  LEFT JOIN public.users u ON u.id = t.user_id
 WHERE p.skip_reason IS NULL
   AND (t.id IS NULL OR (t.meeting_id, u.email, u.provider) IS DISTINCT FROM (p.meeting_id, p.owner_email, p.owner_provider));
INSERT INTO mismatches
SELECT 'room options', w.friendly_id, format('%s meeting option rows, %s expected (one per option, values %s)',
                                             coalesce(a.n, 0), o.n, :'options_values')
  FROM want_rooms w JOIN public.rooms t ON t.friendly_id = w.friendly_id
  CROSS JOIN (SELECT count(*) AS n FROM public.meeting_options) o
  LEFT JOIN (SELECT x.room_id, count(*) AS n, bool_and(x.value IS NOT DISTINCT FROM y.value) AS same
               FROM public.room_meeting_options x
               LEFT JOIN want_options y ON y.room_id = x.room_id AND y.meeting_option_id = x.meeting_option_id
              GROUP BY x.room_id) a ON a.room_id = t.id
 WHERE a.n IS DISTINCT FROM o.n OR NOT a.same;
INSERT INTO mismatches
SELECT 'shared access', w.email || ' -> ' || w.friendly_id, 'missing on the target'
  FROM want_shares w
 WHERE NOT EXISTS (SELECT 1 FROM public.shared_accesses t WHERE t.user_id = w.user_id AND t.room_id = w.room_id);
INSERT INTO mismatches
SELECT 'site setting', w.name || ' (' || w.provider || ')', format('expected %L', w.value)
  FROM want_site_settings w
 WHERE NOT EXISTS (SELECT 1 FROM public.site_settings t
                    WHERE t.setting_id = w.setting_id AND t.provider = w.provider AND t.value = w.value);

INSERT INTO report_parts VALUES
  ('verification', 10, 'users', json_build_object(
     'eligible', (SELECT count(*) FROM plan_users WHERE skip_reason IS NULL AND survivor_id = src_id),
     'present', (SELECT count(*) FROM plan_users p JOIN public.users u ON u.email = p.email AND u.provider = p.provider
                  WHERE p.skip_reason IS NULL AND p.survivor_id = p.src_id))),
  ('verification', 20, 'rooms', json_build_object(
     'eligible', (SELECT count(*) FROM plan_rooms WHERE skip_reason IS NULL),
     'present', (SELECT count(*) FROM plan_rooms p JOIN public.rooms t ON t.friendly_id = p.friendly_id
                  AND t.meeting_id = p.meeting_id WHERE p.skip_reason IS NULL))),
  ('verification', 30, 'shared_accesses', json_build_object(
     'eligible', (SELECT count(*) FROM want_shares),
     'present', (SELECT count(*) FROM want_shares w JOIN public.shared_accesses t
                  ON t.user_id = w.user_id AND t.room_id = w.room_id))),
  ('verification', 40, 'room_meeting_options', json_build_object(
     'eligible', (SELECT count(*) FROM want_options),
     'present', (SELECT count(*) FROM want_options w JOIN public.room_meeting_options t
                  ON t.room_id = w.room_id AND t.meeting_option_id = w.meeting_option_id
                 AND t.value IS NOT DISTINCT FROM w.value))),
  ('verification', 60, 'site_settings', json_build_object(
     'eligible', (SELECT count(*) FROM want_site_settings),
     'present', (SELECT count(*) FROM want_site_settings w JOIN public.site_settings t
                  ON t.setting_id = w.setting_id AND t.provider = w.provider AND t.value = w.value)));

\if :source_v3
-- A v3 source: its roles' permissions, room configurations and recordings.
INSERT INTO mismatches
SELECT 'role permission', w.role_name || ' (' || w.provider || ') ' || w.permission, format('expected %L', w.value)
  FROM want_role_permissions w
 WHERE NOT EXISTS (SELECT 1 FROM public.role_permissions t
                    WHERE t.role_id = w.role_id AND t.permission_id = w.permission_id AND t.value = w.value);
INSERT INTO mismatches
SELECT 'room configuration', w.name || ' (' || w.provider || ')', format('expected %L', w.value)
  FROM want_rooms_configurations w
 WHERE NOT EXISTS (SELECT 1 FROM public.rooms_configurations t
                    WHERE t.meeting_option_id = w.meeting_option_id AND t.provider = w.provider AND t.value = w.value);
INSERT INTO mismatches
SELECT 'recording', w.record_id, CASE WHEN n.n IS NULL THEN 'missing on the target' ELSE n.n || ' rows or another room' END
  FROM want_recordings w
  LEFT JOIN (SELECT record_id, count(*) AS n, min(room_id::text) AS room_id FROM public.recordings GROUP BY record_id) n
    ON n.record_id = w.record_id
 WHERE n.n IS DISTINCT FROM 1 OR n.room_id IS DISTINCT FROM w.room_id::text;
INSERT INTO mismatches
SELECT 'format', w.record_id || ' ' || w.recording_type, format('expected url %L', w.url)
  FROM want_formats w
 WHERE NOT EXISTS (SELECT 1 FROM public.formats t
                    WHERE t.recording_id = w.recording_id AND t.recording_type = w.recording_type AND t.url = w.url);
INSERT INTO report_parts VALUES
  ('verification', 50, 'role_permissions', json_build_object(
     'eligible', (SELECT count(*) FROM want_role_permissions),
     'present', (SELECT count(*) FROM want_role_permissions w JOIN public.role_permissions t
                  ON t.role_id = w.role_id AND t.permission_id = w.permission_id AND t.value = w.value))),
  ('verification', 70, 'rooms_configurations', json_build_object(
     'eligible', (SELECT count(*) FROM want_rooms_configurations),
     'present', (SELECT count(*) FROM want_rooms_configurations w JOIN public.rooms_configurations t
                  ON t.meeting_option_id = w.meeting_option_id AND t.provider = w.provider AND t.value = w.value))),
  ('verification', 80, 'recordings', json_build_object(
     'eligible', (SELECT count(*) FROM plan_recordings WHERE skip_reason IS NULL),
     'present', (SELECT count(*) FROM plan_recordings p JOIN public.recordings t ON t.record_id = p.record_id
                  WHERE p.skip_reason IS NULL))),
  ('verification', 90, 'formats', json_build_object(
     'eligible', (SELECT count(*) FROM want_formats),
     'present', (SELECT count(*) FROM want_formats w JOIN public.formats t
                  ON t.recording_id = w.recording_id AND t.recording_type = w.recording_type AND t.url = w.url)));
\else
-- A v2 source: every migrated owner's room count.
INSERT INTO mismatches
SELECT 'room count', e.email || ' (' || e.provider || ')', format('%s rooms expected, %s on the target', e.n, coalesce(a.n, 0))
  FROM (SELECT owner_email AS email, owner_provider AS provider, count(*) AS n FROM plan_rooms
         WHERE skip_reason IS NULL GROUP BY 1, 2) e
  JOIN plan_users p ON p.email = e.email AND p.provider = e.provider AND p.survivor_id = p.src_id AND NOT p.adopt
  JOIN public.users u ON u.email = e.email AND u.provider = e.provider
  LEFT JOIN (SELECT user_id, count(*) AS n FROM public.rooms GROUP BY user_id) a ON a.user_id = u.id
 WHERE e.n IS DISTINCT FROM a.n;
\endif
INSERT INTO pg_temp.greenlight_data_clock VALUES ('verified', clock_timestamp());
