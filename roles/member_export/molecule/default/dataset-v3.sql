-- A small Greenlight v3 dataset for member_export's scenario (loaded after
-- tests/greenlight/schema-v3.sql and seed-v3.sql, which give the roles and the
-- meeting options): Vera with two rooms (room options set, recordings in
-- presentation and video, one unlisted), one of them shared with Wim; Wim with
-- no rooms of his own and a second share from Xena (banned); digests and
-- session tokens that must never reach an archive.
INSERT INTO users (name, email, provider, password_digest, role_id, language, status, session_token, session_expiry,
                   reset_digest, verification_digest, verified, last_login, created_at, updated_at)
SELECT v.name, v.email, 'greenlight', v.digest, (SELECT id FROM roles WHERE name = 'User' AND provider = 'greenlight'),
       v.language, v.status, v.token, '2030-01-01', v.reset, v.verify, true, v.last_login::timestamp,
       v.created::timestamp, v.created::timestamp
FROM (VALUES
  ('Vera Vogel', 'vera@coop.test', '$2a$12$V3DIGESTveraxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx', 'de', 0,
   'v3-session-token-vera', 'v3-reset-digest-vera', 'v3-verification-digest-vera', '2024-05-06 07:08:09',
   '2023-01-02 03:04:05'),
  ('Wim Wolf', 'wim@coop.test', '$2a$12$V3DIGESTwimxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx', 'en', 0,
   'v3-session-token-wim', NULL, NULL, NULL, '2023-02-03 04:05:06'),
  ('Xena Xylo', 'xena@coop.test', '$2a$12$V3DIGESTxenaxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx', 'fr', 2,
   'v3-session-token-xena', NULL, NULL, NULL, '2023-03-04 05:06:07')
) AS v(name, email, digest, language, status, token, reset, verify, last_login, created);

INSERT INTO rooms (user_id, name, friendly_id, meeting_id, last_session, created_at, updated_at)
SELECT u.id, v.name, v.friendly_id, v.meeting_id, v.last_session::timestamp, v.created::timestamp, v.created::timestamp
FROM (VALUES
  ('vera@coop.test', 'Vera Home', 'ver-h0m-e01', 'v3meetingverahome000000000000000000000001', '2024-05-06 07:00:00',
   '2023-01-02 03:04:05'),
  ('vera@coop.test', 'Vera Seminar', 'ver-s3m-002', 'v3meetingveraseminar00000000000000000002', NULL,
   '2023-06-01 00:00:00'),
  ('xena@coop.test', 'Xena Lab', 'xen-l4b-003', 'v3meetingxenalab000000000000000000000003', NULL, '2023-03-04 05:06:07')
) AS v(email, name, friendly_id, meeting_id, last_session, created)
JOIN users u ON u.email = v.email;

INSERT INTO room_meeting_options (room_id, meeting_option_id, value, created_at, updated_at)
SELECT r.id, mo.id, v.value, now(), now()
FROM (VALUES ('ver-h0m-e01', 'record', 'true'), ('ver-h0m-e01', 'muteOnStart', 'true'),
             ('ver-h0m-e01', 'glViewerAccessCode', 'vera-viewer-code'), ('ver-s3m-002', 'record', 'false'))
     AS v(friendly_id, option, value)
JOIN rooms r ON r.friendly_id = v.friendly_id
JOIN meeting_options mo ON mo.name = v.option;

INSERT INTO shared_accesses (user_id, room_id, created_at, updated_at)
SELECT u.id, r.id, now(), now()
FROM (VALUES ('wim@coop.test', 'ver-s3m-002'), ('wim@coop.test', 'xen-l4b-003')) AS v(email, friendly_id)
JOIN users u ON u.email = v.email JOIN rooms r ON r.friendly_id = v.friendly_id;

INSERT INTO recordings (room_id, name, record_id, visibility, length, participants, recorded_at, created_at, updated_at)
SELECT r.id, v.name, v.record_id, v.visibility, v.length, 3, v.recorded::timestamp, now(), now()
FROM (VALUES
  ('ver-h0m-e01', 'Kick-off', 'v3meetingverahome000000000000000000000001-1700000000000', 'Published', 42,
   '2023-11-14 22:13:20'),
  ('ver-s3m-002', 'Seminar 1', 'v3meetingveraseminar00000000000000000002-1710000000000', 'Unpublished', 90,
   '2024-03-09 16:00:00')
) AS v(friendly_id, name, record_id, visibility, length, recorded)
JOIN rooms r ON r.friendly_id = v.friendly_id;

INSERT INTO formats (recording_id, recording_type, url, created_at, updated_at)
SELECT rc.id, v.type, v.url, now(), now()
FROM (VALUES
  ('v3meetingverahome000000000000000000000001-1700000000000', 'presentation',
   'https://bbb.newcoop.test/playback/presentation/2.3/v3meetingverahome000000000000000000000001-1700000000000'),
  ('v3meetingverahome000000000000000000000001-1700000000000', 'video',
   'https://bbb.newcoop.test/playback/video/v3meetingverahome000000000000000000000001-1700000000000/'),
  ('v3meetingveraseminar00000000000000000002-1710000000000', 'presentation',
   'https://bbb.newcoop.test/playback/presentation/2.3/v3meetingveraseminar00000000000000000002-1710000000000')
) AS v(record_id, type, url)
JOIN recordings rc ON rc.record_id = v.record_id;
