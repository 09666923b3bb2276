-- What only a v3 source has, after apply.sql (same transaction, same lock):
-- room configurations and recordings with their formats.
--
-- psql variables: provider_map.
\set ON_ERROR_STOP 1

-- 12. Room configurations (per provider: which meeting options members may set),
-- by (meeting option name, target provider).
CREATE TABLE want_rooms_configurations AS
SELECT DISTINCT ON (o.id, (:'provider_map'::jsonb) ->> c.provider)
       o.id AS meeting_option_id, o.name, (:'provider_map'::jsonb) ->> c.provider AS provider, c.value,
       c.created_at, c.updated_at
  FROM rooms_configurations c
  JOIN meeting_options so ON so.id = c.meeting_option_id
  JOIN public.meeting_options o ON o.name = so.name
 WHERE (:'provider_map'::jsonb) ? c.provider
 ORDER BY o.id, (:'provider_map'::jsonb) ->> c.provider, c.updated_at DESC, c.id;
ANALYZE want_rooms_configurations;
WITH up AS (
  INSERT INTO public.rooms_configurations (meeting_option_id, provider, value, created_at, updated_at)
  SELECT meeting_option_id, provider, value, created_at, updated_at FROM want_rooms_configurations
  ON CONFLICT (meeting_option_id, provider) DO UPDATE SET value = EXCLUDED.value, updated_at = EXCLUDED.updated_at
   WHERE rooms_configurations.value IS DISTINCT FROM EXCLUDED.value
  RETURNING (xmax = 0) AS inserted)
INSERT INTO report SELECT CASE WHEN inserted THEN 'created' ELSE 'updated' END, 'rooms_configurations', NULL, count(*)
  FROM up GROUP BY inserted;

-- 13. Recordings (keyed on record_id: v3 has no unique index there, hence
-- update of differing rows plus insert of missing ones under the lock above)
-- and their formats (keyed on recording and type).
CREATE TABLE want_recordings AS
SELECT p.*, t.id AS room_id FROM plan_recordings p JOIN public.rooms t ON t.friendly_id = p.friendly_id
 WHERE p.skip_reason IS NULL;
ANALYZE want_recordings;
WITH up AS (
  UPDATE public.recordings t SET room_id = w.room_id, name = w.name, visibility = w.visibility, length = w.length,
         participants = w.participants, protectable = w.protectable, recorded_at = w.recorded_at, updated_at = w.updated_at
    FROM want_recordings w
   WHERE t.record_id = w.record_id
     AND (t.room_id, t.name, t.visibility, t.length, t.participants, t.protectable, t.recorded_at, t.updated_at)
         IS DISTINCT FROM
         (w.room_id, w.name, w.visibility, w.length, w.participants, w.protectable, w.recorded_at, w.updated_at)
  RETURNING 1)
INSERT INTO report SELECT 'updated', 'recordings', NULL, count(*) FROM up;
WITH ins AS (
  INSERT INTO public.recordings (room_id, name, record_id, visibility, length, participants, protectable, recorded_at,
                                 created_at, updated_at)
  SELECT w.room_id, w.name, w.record_id, w.visibility, w.length, w.participants, w.protectable, w.recorded_at,
         w.created_at, w.updated_at FROM want_recordings w
   WHERE NOT EXISTS (SELECT 1 FROM public.recordings t WHERE t.record_id = w.record_id)
  RETURNING 1)
INSERT INTO report SELECT 'created', 'recordings', NULL, count(*) FROM ins;

CREATE TABLE want_formats AS
SELECT DISTINCT ON (t.id, f.recording_type) t.id AS recording_id, w.record_id, f.recording_type, f.url,
       f.created_at, f.updated_at
  FROM formats f
  JOIN want_recordings w ON w.src_id = f.recording_id
  JOIN public.recordings t ON t.record_id = w.record_id
 ORDER BY t.id, f.recording_type, f.updated_at DESC, f.id;
ANALYZE want_formats;
WITH up AS (
  UPDATE public.formats t SET url = w.url, updated_at = w.updated_at
    FROM want_formats w
   WHERE t.recording_id = w.recording_id AND t.recording_type = w.recording_type AND t.url IS DISTINCT FROM w.url
  RETURNING 1)
INSERT INTO report SELECT 'updated', 'formats', NULL, count(*) FROM up;
WITH ins AS (
  INSERT INTO public.formats (recording_id, recording_type, url, created_at, updated_at)
  SELECT w.recording_id, w.recording_type, w.url, w.created_at, w.updated_at FROM want_formats w
   WHERE NOT EXISTS (SELECT 1 FROM public.formats t WHERE t.recording_id = w.recording_id AND t.recording_type = w.recording_type)
  RETURNING 1)
INSERT INTO report SELECT 'created', 'formats', NULL, count(*) FROM ins;

INSERT INTO report_parts
SELECT 'top', 1, 'recordings', json_build_object('recordings', (SELECT count(*) FROM want_recordings),
                                                 'formats', (SELECT count(*) FROM want_formats));
