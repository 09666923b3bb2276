-- The run's one JSON report (the same keys for either generation, plus what
-- only a v3 source has, from report_parts), then commit, or roll back (dry
-- run, mismatches). Last of the import's files.
--
-- psql variables: mode, dry_run (true|false), source_v3.
\set ON_ERROR_STOP 1
-- 15. The report, then commit or roll back.
INSERT INTO report_parts VALUES
  ('skipped', 10, 'users', (SELECT coalesce(json_object_agg(reason, n), '{}') FROM (
                 SELECT skip_reason AS reason, count(*) AS n FROM plan_users WHERE skip_reason IS NOT NULL GROUP BY 1
                 UNION ALL SELECT 'merged into another account', count(*) FROM plan_users
                  WHERE skip_reason IS NULL AND survivor_id <> src_id HAVING count(*) > 0) x)),
  ('skipped', 20, 'users_adopted', to_json((SELECT count(*) FROM plan_users WHERE adopt AND survivor_id = src_id))),
  ('skipped', 30, 'rooms', (SELECT coalesce(json_object_agg(skip_reason, n), '{}') FROM (
                 SELECT skip_reason, count(*) AS n FROM plan_rooms WHERE skip_reason IS NOT NULL GROUP BY 1) x)),
  ('skipped', 90, 'shared_accesses_existing', to_json((SELECT count(*) FROM want_shares)
                 - coalesce((SELECT sum(n) FROM report WHERE section = 'created' AND entity = 'shared_accesses'), 0)));
-- The entities counted as created and updated (shares are never updated).
\set report_entities '{users,roles,role_permissions,rooms,room_meeting_options,shared_accesses,site_settings}'
\if :source_v3
\set report_entities '{users,roles,role_permissions,rooms,room_meeting_options,shared_accesses,site_settings,rooms_configurations,recordings,formats}'
\endif
SELECT (:'dry_run'::boolean OR EXISTS (SELECT 1 FROM mismatches)) AS greenlight_data_rollback \gset
SELECT json_build_object(
  'mode', :'mode',
  'dry_run', :'dry_run'::boolean,
  'committed', NOT :'greenlight_data_rollback'::boolean,
  'problems', '[]'::json,
  'source', (SELECT json_object_agg(tbl, n) FROM manifest),
  'created', (SELECT json_object_agg(e, coalesce((SELECT sum(n) FROM report r WHERE r.section = 'created' AND r.entity = e), 0))
                FROM unnest(:'report_entities'::text[]) e),
  'updated', (SELECT json_object_agg(e, coalesce((SELECT sum(n) FROM report r WHERE r.section = 'updated' AND r.entity = e), 0))
                FROM unnest(:'report_entities'::text[]) e WHERE e <> 'shared_accesses'),
  'skipped', (SELECT json_object_agg(key, value ORDER BY ord) FROM report_parts WHERE section = 'skipped'),
  'verification', (SELECT json_object_agg(key, value ORDER BY ord) FROM report_parts WHERE section = 'verification'),
  'bulk_loaded', (SELECT coalesce(json_agg(tbl), '[]') FROM bulk_loaded),
  'mismatch_count', (SELECT count(*) FROM mismatches),
  'mismatches', (SELECT coalesce(json_agg(json_build_object('entity', entity, 'key', key, 'issue', issue)), '[]')
                   FROM (SELECT * FROM mismatches ORDER BY entity, key LIMIT 50) m),
  'recordings', (SELECT value FROM report_parts WHERE section = 'top' AND key = 'recordings'),
  'timings_ms', (SELECT json_object_agg(step, round(extract(epoch FROM at - (SELECT at FROM pg_temp.greenlight_data_clock WHERE step = 'start')) * 1000))
                   FROM pg_temp.greenlight_data_clock WHERE step <> 'start'))::text;
\if :greenlight_data_rollback
ROLLBACK;
\else
DROP SCHEMA greenlight_data_staging CASCADE;
COMMIT;
\endif
