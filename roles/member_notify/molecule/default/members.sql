-- The scenario's members on the new Greenlight (as greenlight_data leaves them):
-- six who must be told (en, de, fr -> English, a single sign-on account, one
-- without rooms), one banned, one pending, one opted out (by the inventory).
INSERT INTO users (name, email, external_id, provider, password_digest, role_id, language, status, created_at, updated_at)
SELECT v.name, v.email, v.external_id, 'greenlight', v.digest,
       (SELECT id FROM roles WHERE name = 'User' AND provider = 'greenlight'), v.language, v.status,
       now() - (v.n || ' minutes')::interval, now()
FROM (VALUES
  (1, 'Anna Amsel', 'anna@members.test', NULL, '$2a$12$labdigestanna', 'en', 0),
  (2, 'Bernd Bär', 'bernd@members.test', NULL, '$2a$12$labdigestbernd', 'de', 0),
  (3, 'Claire Cygne', 'claire@members.test', 'claire-subject-42', NULL, 'fr', 0),
  (4, 'Dora Dachs', 'dora@members.test', NULL, '$2a$12$labdigestdora', 'de', 0),
  (5, 'Erik Elch', 'erik@members.test', NULL, '$2a$12$labdigesterik', 'en', 2),
  (6, 'Olga Otter', 'olga@members.test', NULL, '$2a$12$labdigestolga', 'en', 0),
  (7, 'Paul Pfau', 'paul@members.test', NULL, '$2a$12$labdigestpaul', 'en', 1),
  (8, 'Gina Gans', 'gina@members.test', NULL, '$2a$12$labdigestgina', 'en', 0),
  (9, 'Hugo Hase', 'hugo@members.test', NULL, '$2a$12$labdigesthugo', 'de', 0)
) AS v(n, name, email, external_id, digest, language, status);

INSERT INTO rooms (user_id, name, friendly_id, meeting_id, created_at, updated_at)
SELECT u.id, v.name, v.friendly_id, v.friendly_id || '-meeting', now(), now()
FROM (VALUES
  ('anna@members.test', 'Anna''s <team> room', 'ann-abc-def'),
  ('anna@members.test', 'Anna''s class', 'ann-xyz-123'),
  ('bernd@members.test', 'Berndʼs Büro', 'ber-k7m-2pq'),
  ('claire@members.test', 'Salle de Claire', 'cla-r8s-9tu'),
  ('erik@members.test', 'Erik''s room', 'eri-aaa-bbb'),
  ('olga@members.test', 'Olga''s room', 'olg-ccc-ddd'),
  ('gina@members.test', 'Gina''s room', 'gin-eee-fff'),
  ('hugo@members.test', 'Hugos Raum', 'hug-ggg-hhh')
) AS v(email, name, friendly_id)
JOIN users u ON u.email = v.email;

INSERT INTO recordings (room_id, name, record_id, visibility, length, participants, created_at, updated_at)
SELECT r.id, 'Recording ' || v.k, md5(r.friendly_id || v.k) || '-1700000000000', 'Unpublished', 60, 2, now(), now()
FROM (VALUES ('ann-abc-def', 1), ('ann-abc-def', 2), ('ber-k7m-2pq', 1), ('cla-r8s-9tu', 1), ('cla-r8s-9tu', 2),
             ('cla-r8s-9tu', 3)) AS v(friendly_id, k)
JOIN rooms r ON r.friendly_id = v.friendly_id;
