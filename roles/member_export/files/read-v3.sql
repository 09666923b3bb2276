-- What member_export reads of a Greenlight v3 database, as one JSON document, in a
-- read-only transaction. Never a password digest, session token or reset/verification digest.
START TRANSACTION READ ONLY;
SELECT json_build_object(
  'users', (SELECT coalesce(json_agg(json_build_object(
      'id', u.id, 'name', u.name, 'email', u.email, 'provider', u.provider, 'language', u.language,
      'created', to_char(u.created_at, 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
      'last_login', to_char(u.last_login, 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
      'role', r.name,
      'status', CASE u.status WHEN 0 THEN 'active' WHEN 1 THEN 'pending' WHEN 2 THEN 'banned' END)
      ORDER BY u.email, u.id), '[]'::json)
    FROM users u LEFT JOIN roles r ON r.id = u.role_id),
  'rooms', (SELECT coalesce(json_agg(json_build_object(
      'id', rm.id, 'user_id', rm.user_id, 'name', rm.name, 'uid', rm.friendly_id, 'meeting_id', rm.meeting_id,
      'settings', (SELECT coalesce(json_object_agg(mo.name, rmo.value ORDER BY mo.name), '{}'::json)
                   FROM room_meeting_options rmo JOIN meeting_options mo ON mo.id = rmo.meeting_option_id
                   WHERE rmo.room_id = rm.id),
      'home', false,
      'created', to_char(rm.created_at, 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
      'last_session', to_char(rm.last_session, 'YYYY-MM-DD"T"HH24:MI:SS"Z"')) ORDER BY rm.friendly_id), '[]'::json)
    FROM rooms rm),
  'shares', (SELECT coalesce(json_agg(json_build_object('room_id', s.room_id, 'user_id', s.user_id)
      ORDER BY s.room_id, s.user_id), '[]'::json) FROM shared_accesses s),
  'recordings', (SELECT coalesce(json_agg(json_build_object(
      'meeting_id', rm.meeting_id, 'record_id', rc.record_id, 'name', rc.name, 'visibility', rc.visibility,
      'length', rc.length, 'recorded_at', to_char(rc.recorded_at, 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
      'format', f.recording_type, 'url', f.url) ORDER BY rc.record_id, f.recording_type), '[]'::json)
    FROM recordings rc JOIN rooms rm ON rm.id = rc.room_id JOIN formats f ON f.recording_id = rc.id));
COMMIT;
