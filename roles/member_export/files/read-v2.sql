-- What member_export reads of a Greenlight v2 database, as one JSON document, in a
-- read-only transaction. Never a password digest, reset/activation digest, or the
-- rooms' BBB moderator/attendee passwords.
START TRANSACTION READ ONLY;
SELECT json_build_object(
  'users', (SELECT coalesce(json_agg(json_build_object(
      'id', u.id, 'name', u.name, 'email', u.email, 'provider', u.provider, 'language', u.language,
      'created', to_char(u.created_at, 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
      'last_login', to_char(u.last_login, 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
      'role', r.name) ORDER BY u.id), '[]'::json)
    FROM users u LEFT JOIN roles r ON r.id = u.role_id
    WHERE NOT u.deleted AND coalesce(u.email, '') <> ''),
  'rooms', (SELECT coalesce(json_agg(json_build_object(
      'id', rm.id, 'user_id', rm.user_id, 'name', rm.name, 'uid', rm.uid, 'meeting_id', rm.bbb_id,
      'settings', rm.room_settings, 'access_code', rm.access_code,
      'moderator_access_code', rm.moderator_access_code,
      'home', EXISTS (SELECT 1 FROM users o WHERE o.id = rm.user_id AND o.room_id = rm.id),
      'created', to_char(rm.created_at, 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
      'last_session', to_char(rm.last_session, 'YYYY-MM-DD"T"HH24:MI:SS"Z"')) ORDER BY rm.id), '[]'::json)
    FROM rooms rm WHERE NOT rm.deleted AND rm.user_id IS NOT NULL),
  'shares', (SELECT coalesce(json_agg(json_build_object('room_id', s.room_id, 'user_id', s.user_id)
      ORDER BY s.room_id, s.user_id), '[]'::json)
    FROM (SELECT DISTINCT room_id, user_id FROM shared_accesses
          WHERE room_id IS NOT NULL AND user_id IS NOT NULL) s));
COMMIT;
