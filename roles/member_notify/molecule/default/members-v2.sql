-- The scenario's old Greenlight v2 (the fallback: no cooperative took the members),
-- loaded after tests/greenlight/schema-v2.sql: three who must be told (en with two
-- rooms, de with one, a google single sign-on account with language 'default' and
-- no rooms), one banned (role denied), one awaiting approval (role pending), one
-- deleted account.
INSERT INTO roles (id, name, priority, provider, colour, created_at, updated_at) VALUES
  (1, 'user', 1, 'greenlight', '#0f0', '2020-01-01', '2020-01-01'),
  (2, 'denied', 2, 'greenlight', '#f00', '2020-01-01', '2020-01-01'),
  (3, 'pending', 3, 'greenlight', '#ff0', '2020-01-01', '2020-01-01');
INSERT INTO users (id, provider, name, email, password_digest, language, deleted, role_id, created_at, updated_at) VALUES
  (1, 'greenlight', 'Anna Amsel', 'anna@members.test', '$2a$12$v2digestanna', 'en', false, 1, '2020-01-01', '2020-01-01'),
  (2, 'greenlight', 'Bernd Bär', 'bernd@members.test', '$2a$12$v2digestbernd', 'de', false, 1, '2020-01-02', '2020-01-02'),
  (3, 'google', 'Claire Cygne', 'claire@members.test', NULL, 'default', false, 1, '2020-01-03', '2020-01-03'),
  (4, 'greenlight', 'Erik Elch', 'erik@members.test', '$2a$12$v2digesterik', 'en', false, 2, '2020-01-04', '2020-01-04'),
  (5, 'greenlight', 'Paul Pfau', 'paul@members.test', '$2a$12$v2digestpaul', 'en', false, 3, '2020-01-05', '2020-01-05'),
  (6, 'greenlight', 'Dora Dachs', 'dora@members.test', '$2a$12$v2digestdora', 'de', true, 1, '2020-01-06', '2020-01-06');
INSERT INTO rooms (id, user_id, name, uid, bbb_id, room_settings, moderator_pw, attendee_pw, deleted, created_at,
                   updated_at) VALUES
  (1, 1, 'Home Room', 'ann-v2h-001', 'a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1', '{ }', 'anna-mod-pw', 'anna-att-pw',
   false, '2020-01-01', '2020-01-01'),
  (2, 1, 'Anna''s <class>', 'ann-v2c-002', 'a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2', '{ }', 'm', 'a', false,
   '2020-02-01', '2020-02-01'),
  (3, 1, 'Anna''s old room', 'ann-v2x-003', 'a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3', '{ }', 'm', 'a', true,
   '2020-03-01', '2020-03-01'),
  (4, 2, 'Berndʼs Büro', 'ber-v2b-004', 'b4b4b4b4b4b4b4b4b4b4b4b4b4b4b4b4b4b4b4b4', '{ }', 'm', 'a', false,
   '2020-01-02', '2020-01-02'),
  (5, 4, 'Erik''s room', 'eri-v2e-005', 'e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5', '{ }', 'm', 'a', false,
   '2020-01-04', '2020-01-04');
SELECT setval('users_id_seq', 6), setval('rooms_id_seq', 5), setval('roles_id_seq', 3);
