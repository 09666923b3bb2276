-- How planned rows reach the live tables, for both transforms: the checks
-- against the live tables made while planning, the writes, and the
-- verification of recordings. A transform plans into staging tables of one
-- shape each (want_users, want_rooms, want_shares, want_recordings: what the
-- target must hold, with the live row each one matches by natural key, if
-- any) and calls these functions. Each write updates the live
-- rows that differ, inserts the missing ones (in bulk when they are many:
-- bulk-load.sql) and adds what it did to the report. The run holds a lock
-- that keeps Greenlight from writing these tables, so "missing" stays true
-- between the check and the insert.

CREATE UNLOGGED TABLE report (section text, entity text, reason text, n bigint);

CREATE FUNCTION report_rows(section text, entity text, n bigint) RETURNS void LANGUAGE sql AS $$
  INSERT INTO greenlight_data_staging.report VALUES (section, entity, NULL, n);
$$;

-- Accounts, keyed on (email, provider); want_users.target_id is the live account.
CREATE FUNCTION write_users(min_bulk bigint) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  n bigint;
BEGIN
  UPDATE public.users t SET
    name = w.name, external_id = w.external_id, password_digest = w.password_digest, last_login = w.last_login,
    updated_at = w.updated_at, role_id = w.role_id, language = w.language, verified = w.verified, status = w.status
    FROM want_users w
   WHERE t.id = w.target_id
     AND (t.name, t.external_id, t.password_digest, t.last_login, t.updated_at, t.role_id, t.language, t.verified, t.status)
         IS DISTINCT FROM
         (w.name, w.external_id, w.password_digest, w.last_login, w.updated_at, w.role_id, w.language, w.verified, w.status);
  GET DIAGNOSTICS n = ROW_COUNT;
  PERFORM report_rows('updated', 'users', n);
  PERFORM bulk_load_begin('public.users', (SELECT count(*) FROM want_users WHERE target_id IS NULL), min_bulk);
  INSERT INTO public.users (name, email, external_id, provider, password_digest, last_login, created_at, updated_at,
                            role_id, language, verified, status)
  SELECT name, email, external_id, provider, password_digest, last_login, created_at, updated_at,
         role_id, language, verified, status
    FROM want_users WHERE target_id IS NULL;
  GET DIAGNOSTICS n = ROW_COUNT;
  PERFORM report_rows('created', 'users', n);
  PERFORM bulk_load_end('public.users');
END $$;

-- Rooms, keyed on the friendly id (the link members know); want_rooms.target_id is the live room.
CREATE FUNCTION write_rooms(min_bulk bigint) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  n bigint;
BEGIN
  UPDATE public.rooms t SET user_id = w.user_id, name = w.name, last_session = w.last_session, updated_at = w.updated_at
    FROM want_rooms w
   WHERE t.id = w.target_id
     AND (t.user_id, t.name, t.last_session, t.updated_at) IS DISTINCT FROM (w.user_id, w.name, w.last_session, w.updated_at);
  GET DIAGNOSTICS n = ROW_COUNT;
  PERFORM report_rows('updated', 'rooms', n);
  PERFORM bulk_load_begin('public.rooms', (SELECT count(*) FROM want_rooms WHERE target_id IS NULL), min_bulk);
  INSERT INTO public.rooms (user_id, name, friendly_id, meeting_id, last_session, created_at, updated_at)
  SELECT user_id, name, friendly_id, meeting_id, last_session, created_at, updated_at FROM want_rooms
   WHERE target_id IS NULL;
  GET DIAGNOSTICS n = ROW_COUNT;
  PERFORM report_rows('created', 'rooms', n);
  PERFORM bulk_load_end('public.rooms');
END $$;

-- Shared accesses, keyed on (user_id, room_id); want_shares.present: the share is live already.
CREATE FUNCTION write_shares(min_bulk bigint) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  n bigint;
BEGIN
  PERFORM bulk_load_begin('public.shared_accesses', (SELECT count(*) FROM want_shares WHERE NOT present), min_bulk);
  INSERT INTO public.shared_accesses (user_id, room_id, created_at, updated_at)
  SELECT user_id, room_id, created_at, updated_at FROM want_shares WHERE NOT present;
  GET DIAGNOSTICS n = ROW_COUNT;
  PERFORM report_rows('created', 'shared_accesses', n);
  PERFORM bulk_load_end('public.shared_accesses');
END $$;

-- Recordings, keyed on the record id BBB gave them (v3 has no unique index
-- there), and their formats, keyed on (recording, type): want_recordings
-- holds the recordings with the live room each belongs to, plan_formats their
-- formats by record id. Leaves want_formats (formats with the live recording
-- id) for the verification.
CREATE FUNCTION write_recordings() RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  n bigint;
BEGIN
  UPDATE public.recordings t SET room_id = w.room_id, name = w.name, visibility = w.visibility, length = w.length,
         participants = w.participants, protectable = w.protectable, recorded_at = w.recorded_at, updated_at = w.updated_at
    FROM want_recordings w
   WHERE t.record_id = w.record_id
     AND (t.room_id, t.name, t.visibility, t.length, t.participants, t.protectable, t.recorded_at, t.updated_at)
         IS DISTINCT FROM
         (w.room_id, w.name, w.visibility, w.length, w.participants, w.protectable, w.recorded_at, w.updated_at);
  GET DIAGNOSTICS n = ROW_COUNT;
  PERFORM report_rows('updated', 'recordings', n);
  INSERT INTO public.recordings (room_id, name, record_id, visibility, length, participants, protectable, recorded_at,
                                 created_at, updated_at)
  SELECT w.room_id, w.name, w.record_id, w.visibility, w.length, w.participants, w.protectable, w.recorded_at,
         w.created_at, w.updated_at FROM want_recordings w
   WHERE NOT EXISTS (SELECT 1 FROM public.recordings t WHERE t.record_id = w.record_id);
  GET DIAGNOSTICS n = ROW_COUNT;
  PERFORM report_rows('created', 'recordings', n);

  CREATE UNLOGGED TABLE want_formats AS
  SELECT t.id AS recording_id, f.record_id, f.recording_type, f.url, f.created_at, f.updated_at
    FROM plan_formats f JOIN public.recordings t ON t.record_id = f.record_id;
  ANALYZE want_formats;
  UPDATE public.formats t SET url = w.url, updated_at = w.updated_at
    FROM want_formats w
   WHERE t.recording_id = w.recording_id AND t.recording_type = w.recording_type AND t.url IS DISTINCT FROM w.url;
  GET DIAGNOSTICS n = ROW_COUNT;
  PERFORM report_rows('updated', 'formats', n);
  INSERT INTO public.formats (recording_id, recording_type, url, created_at, updated_at)
  SELECT w.recording_id, w.recording_type, w.url, w.created_at, w.updated_at FROM want_formats w
   WHERE NOT EXISTS (SELECT 1 FROM public.formats t WHERE t.recording_id = w.recording_id AND t.recording_type = w.recording_type);
  GET DIAGNOSTICS n = ROW_COUNT;
  PERFORM report_rows('created', 'formats', n);
END $$;

-- Every wanted recording is there once, in its room, with each format's link.
CREATE FUNCTION verify_recordings() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
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
END $$;

-- Checks made while planning, before any write: a planned row whose natural
-- key the target already gives to another row is a problem, reported by the
-- transform and nothing written. plan_rooms and plan_recordings: the rooms and
-- recordings to migrate (skip_reason NULL), with their friendly ids.
CREATE FUNCTION check_room_conflicts() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO problems
  SELECT format('Room %s: the target already has a room with this %s but a different %s (%s): another room holds it; '
                'resolve it on the target first.', k.friendly_id, k.key, k.other, k.value)
    FROM (SELECT p.friendly_id, 'friendly id' AS key, 'meeting id' AS other, t.meeting_id AS value
            FROM plan_rooms p JOIN public.rooms t ON t.friendly_id = p.friendly_id
           WHERE p.skip_reason IS NULL AND t.meeting_id <> p.meeting_id
          UNION ALL
          SELECT p.friendly_id, 'meeting id', 'friendly id', t.friendly_id
            FROM plan_rooms p JOIN public.rooms t ON t.meeting_id = p.meeting_id
           WHERE p.skip_reason IS NULL AND t.friendly_id <> p.friendly_id) k;
END $$;

CREATE FUNCTION check_recording_conflicts() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO problems
  SELECT format('Recording %s: the target already has it in room %s, not in room %s: resolve it on the target first.',
                p.record_id, coalesce(r.friendly_id, '(none)'), p.friendly_id)
    FROM plan_recordings p
    JOIN public.recordings t ON t.record_id = p.record_id
    LEFT JOIN public.rooms r ON r.id = t.room_id
   WHERE p.skip_reason IS NULL AND r.friendly_id IS DISTINCT FROM p.friendly_id;
END $$;
