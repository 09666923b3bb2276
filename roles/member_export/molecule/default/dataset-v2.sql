-- A small Greenlight v2 dataset for member_export's scenario (loaded after tests/greenlight/schema-v2.sql).
INSERT INTO roles (id, name, priority, provider, colour, created_at, updated_at) VALUES
  (1, 'admin', 0, 'greenlight', '#f00', '2020-01-01', '2020-01-01'),
  (2, 'user', 1, 'greenlight', '#0f0', '2020-01-01', '2020-01-01');
INSERT INTO users (id, room_id, provider, name, username, email, password_digest, language, deleted, role_id,
                   reset_digest, activation_digest, created_at, updated_at, last_login) VALUES
  (1, 1, 'greenlight', 'Alice Martin', 'alice', 'Alice@Coop.test',
   '$2a$12$ALICEDIGESTxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx', 'fr', false, 1,
   'alice-reset-digest', 'alice-activation-digest', '2020-03-04 05:06:07', '2021-01-01', '2022-05-06 07:08:09'),
  (2, 2, 'greenlight', 'Bob Durand', 'bob', 'bob@coop.test',
   '$2a$12$BOBDIGESTxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx', 'default', false, 2,
   NULL, NULL, '2020-04-05 06:07:08', '2021-01-01', NULL),
  (3, NULL, 'google', 'Carol Petit', NULL, 'carol@coop.test', NULL, 'de', false, 2,
   NULL, NULL, '2021-02-03 04:05:06', '2021-02-03', NULL),
  (4, NULL, 'greenlight', 'Dave Gone', 'dave', 'dave@coop.test',
   '$2a$12$DAVEDIGESTxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx', 'en', true, 2,
   NULL, NULL, '2020-01-01', '2020-01-01', NULL);
INSERT INTO rooms (id, user_id, name, uid, bbb_id, room_settings, moderator_pw, attendee_pw, access_code,
                   moderator_access_code, deleted, created_at, updated_at, last_session) VALUES
  (1, 1, 'Home Room', 'ali-x7k-2mn', 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', '{ }', 'alice-mod-pw', 'alice-att-pw',
   NULL, NULL, false, '2020-03-04 05:06:07', '2020-03-04', '2022-05-06 07:00:00'),
  (2, 1, 'Team Weekly', 'ali-tm3-9qr',  'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb',
   '{"recording":true,"muteOnStart":true,"anyoneCanStart":false,"joinModerator":false,"requireModeratorApproval":true}',
   'team-mod-pw', 'team-att-pw', '123456', '654321', false, '2020-06-01', '2020-06-01', NULL),
  (3, 1, 'Old Room', 'ali-old-111', 'cccccccccccccccccccccccccccccccccccccccc', '{ }', 'old-mod-pw', 'old-att-pw',
   NULL, NULL, true, '2020-06-01', '2020-06-01', NULL),
  (4, 2, 'Home Room', 'bob-4k2-abc', 'dddddddddddddddddddddddddddddddddddddddd', '{ }', 'bob-mod-pw', 'bob-att-pw',
   NULL, NULL, false, '2020-04-05 06:07:08', '2020-04-05', NULL);
-- Team Weekly shared with Bob twice (v2 has no unique index) and with the deleted Dave.
INSERT INTO shared_accesses (room_id, user_id, created_at, updated_at) VALUES
  (2, 2, '2020-06-02', '2020-06-02'), (2, 2, '2020-06-03', '2020-06-03'), (2, 4, '2020-06-02', '2020-06-02');
