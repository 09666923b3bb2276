-- How planned rows reach the live tables, for both transforms. A transform
-- plans into staging tables of one shape each (want_users, want_rooms,
-- want_shares: what the target must hold, with the live row each one matches
-- by natural key, if any) and calls these functions. Each updates the live
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
