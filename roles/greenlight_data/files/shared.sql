-- What the plans and writes of both generations share: the checks
-- against the live tables made while planning, the writes, and the
-- verification of recordings. A run's writes (write-v2.sql, write-v3.sql) fill staging tables of one
-- shape each (want_users, want_rooms, want_shares, want_recordings: what the
-- target must hold, with the live row each one matches by natural key, if
-- any) and calls these functions. Each write updates the live
-- rows that differ, inserts the missing ones (in bulk when they are many:
-- bulk-load.sql) and adds what it did to the report. The run holds a lock
-- that keeps Greenlight from writing these tables, so "missing" stays true
-- between the check and the insert.
--
-- Inside these functions an unqualified users, rooms, shared_accesses,
-- recordings or formats is the live Greenlight table: their search path puts
-- the schema the run writes first (:live, live-target.sql), then staging,
-- whose own tables here are the plan_*, want_* and report ones.

CREATE UNLOGGED TABLE report (section text, entity text, reason text, n bigint);

CREATE FUNCTION report_rows(section text, entity text, n bigint) RETURNS void LANGUAGE sql AS $$
  INSERT INTO greenlight_data_staging.report VALUES (section, entity, NULL, n);
$$;

-- A session token as Greenlight v3 makes one (User.generate_digest: the
-- SHA-256 hex digest of a random string), from 244 random bits.
CREATE FUNCTION new_session_token() RETURNS text LANGUAGE sql VOLATILE AS $$
  SELECT encode(sha256(convert_to(gen_random_uuid()::text || gen_random_uuid()::text, 'UTF8')), 'hex');
$$;

-- Accounts, keyed on (email, provider); want_users.target_id is the live account.
-- Greenlight finds the signed-in user by the session's token, and a visitor with
-- no session looks up a NULL token: every account must hold its own token. A new
-- account gets one nobody holds, with an expiry in the past (the run's start), so
-- its member signs in once on the new platform, as v3 does on create; an existing
-- account keeps its token and expiry (a member who has signed in since stays signed
-- in), and one without either gets them.
CREATE FUNCTION write_users(min_bulk bigint) RETURNS void LANGUAGE plpgsql
  SET search_path = :live, greenlight_data_staging AS $$
DECLARE
  n bigint;
BEGIN
  UPDATE users t SET
    name = w.name, external_id = w.external_id, password_digest = w.password_digest, last_login = w.last_login,
    updated_at = w.updated_at, role_id = w.role_id, language = w.language, verified = w.verified, status = w.status,
    session_token = coalesce(t.session_token, new_session_token()), session_expiry = coalesce(t.session_expiry, now())
    FROM want_users w
   WHERE t.id = w.target_id
     AND ((t.name, t.external_id, t.password_digest, t.last_login, t.updated_at, t.role_id, t.language, t.verified, t.status)
          IS DISTINCT FROM
          (w.name, w.external_id, w.password_digest, w.last_login, w.updated_at, w.role_id, w.language, w.verified, w.status)
          OR t.session_token IS NULL OR t.session_expiry IS NULL);
  GET DIAGNOSTICS n = ROW_COUNT;
  PERFORM report_rows('updated', 'users', n);
  PERFORM bulk_load_begin('users'::regclass, (SELECT count(*) FROM want_users WHERE target_id IS NULL), min_bulk);
  INSERT INTO users (name, email, external_id, provider, password_digest, last_login, created_at, updated_at,
                     role_id, language, verified, status, session_token, session_expiry)
  SELECT name, email, external_id, provider, password_digest, last_login, created_at, updated_at,
         role_id, language, verified, status, new_session_token(), now()
    FROM want_users WHERE target_id IS NULL;
  GET DIAGNOSTICS n = ROW_COUNT;
  PERFORM report_rows('created', 'users', n);
  PERFORM bulk_load_end('users'::regclass);
END $$;

-- Rooms, keyed on the friendly id (the link members know); want_rooms.target_id is the live room.
CREATE FUNCTION write_rooms(min_bulk bigint) RETURNS void LANGUAGE plpgsql
  SET search_path = :live, greenlight_data_staging AS $$
DECLARE
  n bigint;
BEGIN
  UPDATE rooms t SET user_id = w.user_id, name = w.name, last_session = w.last_session, updated_at = w.updated_at
    FROM want_rooms w
   WHERE t.id = w.target_id
     AND (t.user_id, t.name, t.last_session, t.updated_at) IS DISTINCT FROM (w.user_id, w.name, w.last_session, w.updated_at);
  GET DIAGNOSTICS n = ROW_COUNT;
  PERFORM report_rows('updated', 'rooms', n);
  PERFORM bulk_load_begin('rooms'::regclass, (SELECT count(*) FROM want_rooms WHERE target_id IS NULL), min_bulk);
  INSERT INTO rooms (user_id, name, friendly_id, meeting_id, last_session, created_at, updated_at)
  SELECT user_id, name, friendly_id, meeting_id, last_session, created_at, updated_at FROM want_rooms
   WHERE target_id IS NULL;
  GET DIAGNOSTICS n = ROW_COUNT;
  PERFORM report_rows('created', 'rooms', n);
  PERFORM bulk_load_end('rooms'::regclass);
END $$;

-- Shared accesses, keyed on (user_id, room_id); want_shares.present: the share is live already.
CREATE FUNCTION write_shares(min_bulk bigint) RETURNS void LANGUAGE plpgsql
  SET search_path = :live, greenlight_data_staging AS $$
DECLARE
  n bigint;
BEGIN
  PERFORM bulk_load_begin('shared_accesses'::regclass, (SELECT count(*) FROM want_shares WHERE NOT present), min_bulk);
  INSERT INTO shared_accesses (user_id, room_id, created_at, updated_at)
  SELECT user_id, room_id, created_at, updated_at FROM want_shares WHERE NOT present;
  GET DIAGNOSTICS n = ROW_COUNT;
  PERFORM report_rows('created', 'shared_accesses', n);
  PERFORM bulk_load_end('shared_accesses'::regclass);
END $$;

-- Recordings, keyed on the record id BBB gave them (v3 has no unique index
-- there), and their formats, keyed on (recording, type): want_recordings
-- holds the recordings with the live room each belongs to, plan_formats their
-- formats by record id. Leaves want_formats (formats with the live recording
-- id) for the verification.
CREATE FUNCTION write_recordings() RETURNS void LANGUAGE plpgsql
  SET search_path = :live, greenlight_data_staging AS $$
DECLARE
  n bigint;
BEGIN
  UPDATE recordings t SET room_id = w.room_id, name = w.name, visibility = w.visibility, length = w.length,
         participants = w.participants, protectable = w.protectable, recorded_at = w.recorded_at, updated_at = w.updated_at
    FROM want_recordings w
   WHERE t.record_id = w.record_id
     AND (t.room_id, t.name, t.visibility, t.length, t.participants, t.protectable, t.recorded_at, t.updated_at)
         IS DISTINCT FROM
         (w.room_id, w.name, w.visibility, w.length, w.participants, w.protectable, w.recorded_at, w.updated_at);
  GET DIAGNOSTICS n = ROW_COUNT;
  PERFORM report_rows('updated', 'recordings', n);
  INSERT INTO recordings (room_id, name, record_id, visibility, length, participants, protectable, recorded_at,
                                 created_at, updated_at)
  SELECT w.room_id, w.name, w.record_id, w.visibility, w.length, w.participants, w.protectable, w.recorded_at,
         w.created_at, w.updated_at FROM want_recordings w
   WHERE NOT EXISTS (SELECT 1 FROM recordings t WHERE t.record_id = w.record_id);
  GET DIAGNOSTICS n = ROW_COUNT;
  PERFORM report_rows('created', 'recordings', n);

  CREATE UNLOGGED TABLE greenlight_data_staging.want_formats AS
  SELECT t.id AS recording_id, f.record_id, f.recording_type, f.url, f.created_at, f.updated_at
    FROM plan_formats f JOIN recordings t ON t.record_id = f.record_id;
  ANALYZE want_formats;
  UPDATE formats t SET url = w.url, updated_at = w.updated_at
    FROM want_formats w
   WHERE t.recording_id = w.recording_id AND t.recording_type = w.recording_type AND t.url IS DISTINCT FROM w.url;
  GET DIAGNOSTICS n = ROW_COUNT;
  PERFORM report_rows('updated', 'formats', n);
  INSERT INTO formats (recording_id, recording_type, url, created_at, updated_at)
  SELECT w.recording_id, w.recording_type, w.url, w.created_at, w.updated_at FROM want_formats w
   WHERE NOT EXISTS (SELECT 1 FROM formats t WHERE t.recording_id = w.recording_id AND t.recording_type = w.recording_type);
  GET DIAGNOSTICS n = ROW_COUNT;
  PERFORM report_rows('created', 'formats', n);
END $$;

-- Every wanted recording is there once, in its room, with each format's link.
CREATE FUNCTION verify_recordings() RETURNS void LANGUAGE plpgsql
  SET search_path = :live, greenlight_data_staging AS $$
BEGIN
  INSERT INTO mismatches
  SELECT 'recording', w.record_id, CASE WHEN n.n IS NULL THEN 'missing on the target' ELSE n.n || ' rows or another room' END
    FROM want_recordings w
    LEFT JOIN (SELECT record_id, count(*) AS n, min(room_id::text) AS room_id FROM recordings GROUP BY record_id) n
      ON n.record_id = w.record_id
   WHERE n.n IS DISTINCT FROM 1 OR n.room_id IS DISTINCT FROM w.room_id::text;
  INSERT INTO mismatches
  SELECT 'format', w.record_id || ' ' || w.recording_type, format('expected url %L', w.url)
    FROM want_formats w
   WHERE NOT EXISTS (SELECT 1 FROM formats t
                      WHERE t.recording_id = w.recording_id AND t.recording_type = w.recording_type AND t.url = w.url);
END $$;

-- Checks made while planning, before any write: a planned row whose natural
-- key the target already gives to another row is a problem, reported by the
-- plan and nothing written. plan_rooms and plan_recordings: the rooms and
-- recordings to migrate (skip_reason NULL), with their friendly ids.
CREATE FUNCTION check_room_conflicts() RETURNS void LANGUAGE plpgsql
  SET search_path = :live, greenlight_data_staging AS $$
BEGIN
  INSERT INTO problems
  SELECT format('Room %s: the target already has a room with this %s but a different %s (%s): another room holds it; '
                'resolve it on the target first.', k.friendly_id, k.key, k.other, k.value)
    FROM (SELECT p.friendly_id, 'friendly id' AS key, 'meeting id' AS other, t.meeting_id AS value
            FROM plan_rooms p JOIN rooms t ON t.friendly_id = p.friendly_id
           WHERE p.skip_reason IS NULL AND t.meeting_id <> p.meeting_id
          UNION ALL
          SELECT p.friendly_id, 'meeting id', 'friendly id', t.friendly_id
            FROM plan_rooms p JOIN rooms t ON t.meeting_id = p.meeting_id
           WHERE p.skip_reason IS NULL AND t.friendly_id <> p.friendly_id) k;
END $$;

CREATE FUNCTION check_recording_conflicts() RETURNS void LANGUAGE plpgsql
  SET search_path = :live, greenlight_data_staging AS $$
BEGIN
  INSERT INTO problems
  SELECT format('Recording %s: the target already has it in room %s, not in room %s: resolve it on the target first.',
                p.record_id, coalesce(r.friendly_id, '(none)'), p.friendly_id)
    FROM plan_recordings p
    JOIN recordings t ON t.record_id = p.record_id
    LEFT JOIN rooms r ON r.id = t.room_id
   WHERE p.skip_reason IS NULL AND r.friendly_id IS DISTINCT FROM p.friendly_id;
END $$;

-- Merged accounts (greenlight_data_email_conflict_policy merge): a group of
-- source accounts with one email under one target provider (dup_emails.ids,
-- the survivor first) becomes the survivor's account. So that every member
-- can still sign in the way they did, the survivor keeps its own credentials
-- and takes, where it has none, the password digest and the external id of
-- the first other account of its group that has one. Only an account whose
-- email was verified gives a credential: a password on an account nobody
-- proved the email of says nothing about who owns that email, and taking it
-- would let whoever set it sign in as the survivor. Records every merge in
-- merges, with where each credential came from and whose were not kept.
CREATE FUNCTION merge_credentials() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  CREATE UNLOGGED TABLE greenlight_data_staging.merges AS
  SELECT d.email, d.provider, s.src_id::text AS survivor, d.ids[2:]::text[] AS merged,
         CASE WHEN s.password_digest IS NOT NULL THEN s.src_id ELSE pw.src_id END::text AS password_from,
         CASE WHEN s.external_id IS NOT NULL THEN s.src_id ELSE ext.src_id END::text AS external_id_from,
         pw.password_digest, ext.external_id
    FROM dup_emails d
    JOIN plan_users s ON s.src_id = d.ids[1] AND s.skip_reason IS NULL AND s.survivor_id = s.src_id
    LEFT JOIN LATERAL (
      SELECT o.src_id, o.password_digest FROM unnest(d.ids[2:]) WITH ORDINALITY AS i(id, ord) JOIN plan_users o ON o.src_id = i.id
       WHERE coalesce(o.verified, false) AND o.password_digest IS NOT NULL ORDER BY i.ord LIMIT 1) pw ON s.password_digest IS NULL
    LEFT JOIN LATERAL (
      SELECT o.src_id, o.external_id FROM unnest(d.ids[2:]) WITH ORDINALITY AS i(id, ord) JOIN plan_users o ON o.src_id = i.id
       WHERE coalesce(o.verified, false) AND o.external_id IS NOT NULL ORDER BY i.ord LIMIT 1) ext ON s.external_id IS NULL
   WHERE EXISTS (SELECT 1 FROM plan_users o WHERE o.survivor_id = s.src_id AND o.src_id <> s.src_id);
  UPDATE plan_users p SET password_digest = coalesce(p.password_digest, m.password_digest),
                          external_id = coalesce(p.external_id, m.external_id)
    FROM merges m WHERE p.src_id::text = m.survivor;
END $$;

-- The merges for the report: each group, the credentials kept and where they
-- came from, and the accounts whose credentials could not be kept (a second
-- password or external id, or one from an unverified account).
CREATE FUNCTION merges_report() RETURNS json LANGUAGE plpgsql AS $$
BEGIN
  RETURN (SELECT coalesce(json_agg(json_build_object(
           'email', m.email, 'provider', m.provider, 'survivor', m.survivor, 'merged', m.merged,
           'password_from', m.password_from, 'external_id_from', m.external_id_from,
           'not_kept', (SELECT coalesce(json_agg(o.src_id::text ORDER BY o.src_id::text), '[]')
                          FROM greenlight_data_staging.plan_users o
                         WHERE o.src_id::text = ANY (m.merged)
                           AND ((o.password_digest IS NOT NULL AND o.src_id::text IS DISTINCT FROM m.password_from)
                                OR (o.external_id IS NOT NULL AND o.src_id::text IS DISTINCT FROM m.external_id_from))))
         ORDER BY m.email, m.provider), '[]')
    FROM greenlight_data_staging.merges m);
END $$;

-- Planned accounts and rooms that Greenlight v3 would refuse (its User and
-- Room validations), found before any write: the run stops naming them, so
-- no such row is ever committed. email_format: v3's email pattern.
CREATE FUNCTION check_v3_validity(email_format text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO problems
  SELECT format('Source account %s: its email %L is not one Greenlight v3 accepts (5 to 255 characters, '
                'local@domain.tld of letters, digits and _-.+): correct it in the source, or remove the account there.',
                src_id, email)
    FROM plan_users
   WHERE skip_reason IS NULL AND survivor_id = src_id AND provider IS NOT NULL
     AND (length(email) NOT BETWEEN 5 AND 255 OR email !~ email_format);
  INSERT INTO problems
  SELECT format('Source account %s (%s): its name is longer than the 255 characters Greenlight v3 accepts: '
                'shorten it in the source.', src_id, email)
    FROM plan_users WHERE skip_reason IS NULL AND survivor_id = src_id AND length(name) > 255;
  INSERT INTO problems
  SELECT format('Room %s: its name is longer than the 255 characters Greenlight v3 accepts: rename it in the source.',
                friendly_id)
    FROM plan_rooms WHERE skip_reason IS NULL AND length(name) > 255;
END $$;

-- The transfer: every staged table holds what the source's snapshot held, by
-- the manifest the export wrote (row counts and md5 of the rows in id order,
-- computed the same way on both sides from the one table list). A difference
-- is a problem: nothing is written.
CREATE FUNCTION check_transfer() RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  m record;
  got record;
BEGIN
  FOR m IN SELECT * FROM greenlight_data_staging.manifest ORDER BY tbl LOOP
    EXECUTE format('SELECT count(*) AS n, md5(coalesce(string_agg(t::text, E''\n'' ORDER BY t.id), '''')) AS digest'
                   ' FROM greenlight_data_staging.%I t', m.tbl) INTO got;
    IF (m.n, m.digest) IS DISTINCT FROM (got.n, got.digest) THEN
      INSERT INTO mismatches VALUES ('transfer', m.tbl, format('source had %s rows (digest %s), staging holds %s (digest %s)',
                                                              m.n, m.digest, got.n, got.digest));
    END IF;
  END LOOP;
  INSERT INTO problems SELECT 'The export did not arrive whole: '
                              || coalesce(string_agg(key, ', ') || ' differ', 'its manifest is missing') || '. Run again.'
    FROM mismatches WHERE entity = 'transfer'
  HAVING count(*) > 0 OR NOT EXISTS (SELECT 1 FROM greenlight_data_staging.manifest);
END $$;

-- Accounts that would collide on the target, for both generations (plan_users:
-- src_id, email, provider, src_provider, verified, last_login, created_at,
-- skip_reason, survivor_id, adopt). Two source accounts with one email
-- (case-insensitive) under one target provider (dup_emails; the survivor of a
-- merge is the first: verified accounts before unverified ones, then the
-- latest sign-in), and a target account with the same email and provider
-- that this migration did not create (it keeps the source's created_at, so a
-- different one is someone else's: target_conflicts). policy is
-- greenlight_data_email_conflict_policy: fail (a problem each), skip (the
-- accounts are skipped) or merge (one account; an existing one is adopted).
CREATE FUNCTION plan_account_conflicts(policy text) RETURNS void LANGUAGE plpgsql
  SET search_path = :live, greenlight_data_staging AS $$
BEGIN
  CREATE UNLOGGED TABLE greenlight_data_staging.dup_emails AS
  SELECT email, provider, array_agg(src_id ORDER BY verified DESC NULLS LAST, last_login DESC NULLS LAST, created_at, src_id) AS ids,
         string_agg(format('%s (%s)', src_id, src_provider), ', ' ORDER BY src_id) AS accounts
    FROM plan_users WHERE skip_reason IS NULL AND provider IS NOT NULL
   GROUP BY email, provider HAVING count(*) > 1;
  ANALYZE greenlight_data_staging.dup_emails;
  INSERT INTO problems
  SELECT format('Email %s: source accounts %s all map to provider %s and greenlight_data_email_conflict_policy is fail: '
                'choose merge or skip, or map the providers apart.', email, accounts, provider)
    FROM dup_emails WHERE policy = 'fail';
  UPDATE plan_users p SET skip_reason = 'duplicate email' FROM dup_emails d
   WHERE policy = 'skip' AND p.email = d.email AND p.provider = d.provider AND p.skip_reason IS NULL;
  UPDATE plan_users p SET survivor_id = d.ids[1] FROM dup_emails d
   WHERE policy = 'merge' AND p.email = d.email AND p.provider = d.provider AND p.skip_reason IS NULL;
  PERFORM merge_credentials();

  CREATE UNLOGGED TABLE greenlight_data_staging.target_conflicts AS
  SELECT p.src_id, p.email, p.provider FROM plan_users p JOIN users t ON t.email = p.email AND t.provider = p.provider
   WHERE p.skip_reason IS NULL AND p.survivor_id = p.src_id AND t.created_at IS DISTINCT FROM p.created_at
     AND NOT (policy = 'fail' AND EXISTS (SELECT 1 FROM dup_emails d WHERE d.email = p.email AND d.provider = p.provider));
  ANALYZE greenlight_data_staging.target_conflicts;
  INSERT INTO problems
  SELECT format('Email %s: the target already has an account under provider %s that this migration did not create, and '
                'greenlight_data_email_conflict_policy is fail: choose merge (adopt it) or skip.', email, provider)
    FROM target_conflicts WHERE policy = 'fail';
  UPDATE plan_users p SET skip_reason = 'target account exists' FROM target_conflicts c
   WHERE policy = 'skip' AND p.survivor_id = c.src_id AND p.skip_reason IS NULL;
  UPDATE plan_users p SET adopt = true FROM target_conflicts c
   WHERE policy = 'merge' AND p.survivor_id = c.src_id AND p.skip_reason IS NULL;
END $$;

-- Every migrated account, room and share, and every site setting, is on the
-- target as planned (both generations; the rest is verified by each one's
-- writes): an account by its digest, external id, status and created_at, a
-- room by its meeting id and owner, and each owner holds at least the rooms
-- planned for it (more is fine: a member may have made one on the new
-- platform since an earlier run).
CREATE FUNCTION verify_members() RETURNS void LANGUAGE plpgsql
  SET search_path = :live, greenlight_data_staging AS $$
BEGIN
  INSERT INTO mismatches
  SELECT 'user', p.email || ' (' || p.provider || ')',
         CASE WHEN u.id IS NULL THEN 'missing on the target'
              WHEN u.password_digest IS DISTINCT FROM p.password_digest THEN 'password digest differs'
              WHEN u.external_id IS DISTINCT FROM p.external_id THEN 'external id differs'
              WHEN u.status IS DISTINCT FROM p.status THEN 'status differs'
              ELSE 'created_at differs' END
    FROM plan_users p LEFT JOIN users u ON u.email = p.email AND u.provider = p.provider
   WHERE p.skip_reason IS NULL AND p.survivor_id = p.src_id AND NOT p.adopt
     AND (u.id IS NULL OR (u.password_digest, u.external_id, u.status, u.created_at)
                          IS DISTINCT FROM (p.password_digest, p.external_id, p.status, p.created_at));
  INSERT INTO mismatches
  SELECT 'room', p.friendly_id,
         CASE WHEN t.id IS NULL THEN 'missing on the target'
              WHEN t.meeting_id IS DISTINCT FROM p.meeting_id THEN 'meeting id differs'
              ELSE 'owner differs' END
    FROM plan_rooms p
    LEFT JOIN rooms t ON t.friendly_id = p.friendly_id
    LEFT JOIN users u ON u.id = t.user_id
   WHERE p.skip_reason IS NULL
     AND (t.id IS NULL OR (t.meeting_id, u.email, u.provider) IS DISTINCT FROM (p.meeting_id, p.owner_email, p.owner_provider));
  INSERT INTO mismatches
  SELECT 'room count', e.email || ' (' || e.provider || ')', format('%s rooms expected, %s on the target', e.n, coalesce(a.n, 0))
    FROM (SELECT owner_email AS email, owner_provider AS provider, count(*) AS n FROM plan_rooms
           WHERE skip_reason IS NULL GROUP BY 1, 2) e
    JOIN plan_users p ON p.email = e.email AND p.provider = e.provider AND p.survivor_id = p.src_id AND NOT p.adopt
    JOIN users u ON u.email = e.email AND u.provider = e.provider
    LEFT JOIN (SELECT user_id, count(*) AS n FROM rooms GROUP BY user_id) a ON a.user_id = u.id
   WHERE e.n > coalesce(a.n, 0);
  INSERT INTO mismatches
  SELECT 'shared access', w.email || ' -> ' || w.friendly_id, 'missing on the target'
    FROM want_shares w
   WHERE NOT EXISTS (SELECT 1 FROM shared_accesses t WHERE t.user_id = w.user_id AND t.room_id = w.room_id);
  INSERT INTO mismatches
  SELECT 'site setting', w.name || ' (' || w.provider || ')', format('expected %L', w.value)
    FROM want_site_settings w
   WHERE NOT EXISTS (SELECT 1 FROM site_settings t
                      WHERE t.setting_id = w.setting_id AND t.provider = w.provider AND t.value = w.value);
END $$;

-- Role permissions, keyed on (role, permission): want_role_permissions holds
-- the value each migrated role must have for every permission of the target.
CREATE FUNCTION write_role_permissions() RETURNS void LANGUAGE plpgsql
  SET search_path = :live, greenlight_data_staging AS $$
DECLARE
  n bigint;
BEGIN
  UPDATE role_permissions t SET value = w.value, updated_at = w.updated_at
    FROM want_role_permissions w
   WHERE t.role_id = w.role_id AND t.permission_id = w.permission_id AND t.value IS DISTINCT FROM w.value;
  GET DIAGNOSTICS n = ROW_COUNT;
  PERFORM report_rows('updated', 'role_permissions', n);
  INSERT INTO role_permissions (role_id, permission_id, value, created_at, updated_at)
  SELECT w.role_id, w.permission_id, w.value, w.created_at, w.updated_at FROM want_role_permissions w
   WHERE NOT EXISTS (SELECT 1 FROM role_permissions t WHERE t.role_id = w.role_id AND t.permission_id = w.permission_id);
  GET DIAGNOSTICS n = ROW_COUNT;
  PERFORM report_rows('created', 'role_permissions', n);
END $$;

-- Site settings, keyed on (setting, provider): want_site_settings holds the
-- value and timestamps each one must have.
CREATE FUNCTION write_site_settings() RETURNS void LANGUAGE plpgsql
  SET search_path = :live, greenlight_data_staging AS $$
DECLARE
  n bigint;
BEGIN
  UPDATE site_settings t SET value = w.value, updated_at = w.updated_at
    FROM want_site_settings w
   WHERE t.setting_id = w.setting_id AND t.provider = w.provider AND t.value IS DISTINCT FROM w.value;
  GET DIAGNOSTICS n = ROW_COUNT;
  PERFORM report_rows('updated', 'site_settings', n);
  INSERT INTO site_settings (setting_id, value, provider, created_at, updated_at)
  SELECT w.setting_id, w.value, w.provider, w.created_at, w.updated_at FROM want_site_settings w
   WHERE NOT EXISTS (SELECT 1 FROM site_settings t WHERE t.setting_id = w.setting_id AND t.provider = w.provider);
  GET DIAGNOSTICS n = ROW_COUNT;
  PERFORM report_rows('created', 'site_settings', n);
END $$;
