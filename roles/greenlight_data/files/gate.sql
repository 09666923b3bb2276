-- Between a run's planning (plan-v2.sql, plan-v3.sql) and its writes
-- (write-v2.sql, write-v3.sql): the planned accounts and rooms Greenlight v3
-- would refuse are problems too (shared.sql), and a plan with any
-- problem stops the run here, before any write: the report of a run that
-- wrote nothing, then the rollback.
SELECT check_v3_validity((:'maps'::jsonb) ->> 'email_format');

SELECT EXISTS (SELECT 1 FROM problems) AS greenlight_data_has_problems \gset
\if :greenlight_data_has_problems
SELECT json_build_object('mode', :'mode', 'dry_run', :'dry_run'::boolean, 'committed', false,
  'problems', (SELECT json_agg(message) FROM problems),
  'mismatches', (SELECT coalesce(json_agg(json_build_object('entity', entity, 'key', key, 'issue', issue)), '[]') FROM mismatches))::text;
ROLLBACK;
\q
\endif
