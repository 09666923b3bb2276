-- Only the Greenlight v2 tables and columns that preflight's discovery reads,
-- with the v2 shapes (integer ids, users.deleted, users.social_uid).
DROP TABLE IF EXISTS shared_accesses, rooms, users, roles, features, schema_migrations;
CREATE TABLE schema_migrations (version varchar PRIMARY KEY);
INSERT INTO schema_migrations VALUES ('20190726153012'), ('20200730180000');
CREATE TABLE roles (id serial PRIMARY KEY, name varchar, provider varchar);
INSERT INTO roles (id, name, provider) VALUES (1, 'user', 'greenlight'), (2, 'admin', 'greenlight'),
  (3, 'pending', 'greenlight'), (4, 'denied', 'greenlight');
CREATE TABLE features (id serial PRIMARY KEY, setting_id integer, name varchar, value varchar);
CREATE TABLE users (id serial PRIMARY KEY, name varchar, email varchar, provider varchar,
  social_uid varchar, role_id integer, deleted boolean NOT NULL DEFAULT false);
-- 5 live users (one pending, one denied) and 1 deleted.
INSERT INTO users (name, email, provider, social_uid, role_id, deleted) VALUES
  ('Ada', 'ada@example.org', 'openid_connect', 'sub-1', 1, false),
  ('Bob', 'Bob+coop@example.org', 'greenlight', NULL, 2, false),
  ('Cy', 'cy@example.org', 'greenlight', NULL, 1, false),
  ('Pen', 'pen@example.org', 'greenlight', NULL, 3, false),
  ('Den', 'den@example.org', 'greenlight', NULL, 4, false),
  ('Del', 'del@example.org', 'greenlight', NULL, 1, true);
CREATE TABLE rooms (id serial PRIMARY KEY, user_id integer, uid varchar, deleted boolean NOT NULL DEFAULT false);
-- 4 live rooms and 1 deleted.
INSERT INTO rooms (user_id, uid, deleted) VALUES (1, 'ada-x7k-p2q', false), (1, 'ada-4fg-h8j-k2l', false),
  (2, 'bob-3kd-9sd', false), (3, 'cyy-wpt-wou', false), (6, 'del-aaa-bbb', true);
CREATE TABLE shared_accesses (id serial PRIMARY KEY, room_id integer, user_id integer);
INSERT INTO shared_accesses (room_id, user_id) VALUES (1, 2), (1, 3);
