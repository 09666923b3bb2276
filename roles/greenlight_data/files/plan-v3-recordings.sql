-- The recordings of a v3 source (mode v3_to_v3), after plan.sql planned the
-- rooms: planned with their problems before any write (apply-v3.sql writes
-- them).
\set ON_ERROR_STOP 1

-- Recordings of migrated rooms, keyed on the record id BBB gave them.
CREATE TABLE plan_recordings AS
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
INSERT INTO problems
SELECT format('Recording %s: the target already has it in room %s, not in room %s: resolve it on the target first.',
              p.record_id, coalesce(r.friendly_id, '(none)'), p.friendly_id)
  FROM plan_recordings p
  JOIN public.recordings t ON t.record_id = p.record_id
  LEFT JOIN public.rooms r ON r.id = t.room_id
 WHERE p.skip_reason IS NULL AND r.friendly_id IS DISTINCT FROM p.friendly_id;

INSERT INTO report_parts
SELECT 'skipped', 40, 'recordings', (SELECT coalesce(json_object_agg(skip_reason, n), '{}') FROM (
          SELECT skip_reason, count(*) AS n FROM plan_recordings WHERE skip_reason IS NOT NULL GROUP BY 1) x);
