-- The staging tables of a v2 source (after files/stage.sql), shaped like the
-- COPY blocks of export-v2.sql, which follow on psql's input.
CREATE TABLE users (id bigint PRIMARY KEY, provider varchar, name varchar, email varchar, social_uid varchar,
  password_digest varchar, email_verified boolean, language varchar, deleted boolean, role_id integer,
  last_login timestamp, activated_at timestamp, created_at timestamp, updated_at timestamp);
CREATE TABLE rooms (id bigint PRIMARY KEY, user_id integer, name varchar, uid varchar, bbb_id varchar,
  last_session timestamp, room_settings varchar, access_code varchar, moderator_access_code varchar,
  deleted boolean, created_at timestamp, updated_at timestamp);
CREATE TABLE shared_accesses (id bigint PRIMARY KEY, room_id integer, user_id integer,
  created_at timestamp, updated_at timestamp);
CREATE TABLE roles (id bigint PRIMARY KEY, name varchar, provider varchar, colour varchar,
  created_at timestamp, updated_at timestamp);
CREATE TABLE role_permissions (id bigint PRIMARY KEY, role_id integer, name varchar, value varchar, enabled boolean);
CREATE TABLE settings (id bigint PRIMARY KEY, provider varchar);
CREATE TABLE features (id bigint PRIMARY KEY, setting_id integer, name varchar, value varchar, enabled boolean);
CREATE TABLE manifest (tbl text PRIMARY KEY, n bigint, digest text);
-- The tables files/transfer.sql digests against the export's manifest.
\set staged_tables '{users,rooms,shared_accesses,roles,role_permissions,settings,features}'
