-- Greenlight v2 database schema, as Rails 5.2 creates it from db/schema.rb on
-- the v2 branch (version 2022_02_09_094148): integer ids, the same tables,
-- columns, types, defaults and indexes (unique ones as upstream). Loaded by
-- the greenlight_data scenario and benchmark on PostgreSQL 15.
CREATE TABLE schema_migrations (version varchar PRIMARY KEY);
CREATE TABLE ar_internal_metadata (
  key varchar PRIMARY KEY, value varchar,
  created_at timestamp NOT NULL, updated_at timestamp NOT NULL);

CREATE TABLE active_storage_attachments (
  id bigserial PRIMARY KEY,
  name varchar NOT NULL,
  record_type varchar NOT NULL,
  record_id integer NOT NULL,
  blob_id integer NOT NULL,
  created_at timestamp NOT NULL);
CREATE INDEX index_active_storage_attachments_on_blob_id ON active_storage_attachments (blob_id);
CREATE UNIQUE INDEX index_active_storage_attachments_uniqueness
  ON active_storage_attachments (record_type, record_id, name, blob_id);

CREATE TABLE active_storage_blobs (
  id bigserial PRIMARY KEY,
  key varchar NOT NULL,
  filename varchar NOT NULL,
  content_type varchar,
  metadata text,
  byte_size bigint NOT NULL,
  checksum varchar NOT NULL,
  created_at timestamp NOT NULL);
CREATE UNIQUE INDEX index_active_storage_blobs_on_key ON active_storage_blobs (key);

CREATE TABLE features (
  id bigserial PRIMARY KEY,
  setting_id integer,
  name varchar NOT NULL,
  value varchar,
  enabled boolean DEFAULT false,
  created_at timestamp NOT NULL,
  updated_at timestamp NOT NULL);
CREATE INDEX index_features_on_name ON features (name);
CREATE INDEX index_features_on_setting_id ON features (setting_id);

CREATE TABLE invitations (
  id bigserial PRIMARY KEY,
  email varchar NOT NULL,
  provider varchar NOT NULL,
  invite_token varchar,
  created_at timestamp NOT NULL,
  updated_at timestamp NOT NULL);
CREATE INDEX index_invitations_on_invite_token ON invitations (invite_token);
CREATE INDEX index_invitations_on_provider ON invitations (provider);

CREATE TABLE role_permissions (
  id bigserial PRIMARY KEY,
  name varchar,
  value varchar DEFAULT '',
  enabled boolean DEFAULT false,
  role_id integer,
  created_at timestamp NOT NULL,
  updated_at timestamp NOT NULL);
CREATE INDEX index_role_permissions_on_role_id ON role_permissions (role_id);

CREATE TABLE roles (
  id bigserial PRIMARY KEY,
  name varchar,
  priority integer DEFAULT 9999,
  can_create_rooms boolean DEFAULT false,
  send_promoted_email boolean DEFAULT false,
  send_demoted_email boolean DEFAULT false,
  can_edit_site_settings boolean DEFAULT false,
  can_edit_roles boolean DEFAULT false,
  can_manage_users boolean DEFAULT false,
  colour varchar,
  provider varchar,
  created_at timestamp NOT NULL,
  updated_at timestamp NOT NULL);
CREATE UNIQUE INDEX index_roles_on_name_and_provider ON roles (name, provider);
CREATE INDEX index_roles_on_name ON roles (name);
CREATE UNIQUE INDEX index_roles_on_priority_and_provider ON roles (priority, provider);

CREATE TABLE rooms (
  id bigserial PRIMARY KEY,
  user_id integer,
  name varchar,
  uid varchar,
  bbb_id varchar,
  sessions integer DEFAULT 0,
  last_session timestamp,
  created_at timestamp NOT NULL,
  updated_at timestamp NOT NULL,
  room_settings varchar DEFAULT '{ }',
  moderator_pw varchar,
  attendee_pw varchar,
  access_code varchar,
  deleted boolean NOT NULL DEFAULT false,
  moderator_access_code varchar);
CREATE INDEX index_rooms_on_bbb_id ON rooms (bbb_id);
CREATE INDEX index_rooms_on_deleted ON rooms (deleted);
CREATE INDEX index_rooms_on_last_session ON rooms (last_session);
CREATE INDEX index_rooms_on_name ON rooms (name);
CREATE INDEX index_rooms_on_sessions ON rooms (sessions);
CREATE INDEX index_rooms_on_uid ON rooms (uid);
CREATE INDEX index_rooms_on_user_id ON rooms (user_id);

CREATE TABLE settings (
  id bigserial PRIMARY KEY,
  provider varchar NOT NULL,
  created_at timestamp NOT NULL,
  updated_at timestamp NOT NULL);
CREATE INDEX index_settings_on_provider ON settings (provider);

-- No unique index on (room_id, user_id) in v2: duplicates can exist.
CREATE TABLE shared_accesses (
  id bigserial PRIMARY KEY,
  room_id integer,
  user_id integer,
  created_at timestamp NOT NULL,
  updated_at timestamp NOT NULL);
CREATE INDEX index_shared_accesses_on_room_id ON shared_accesses (room_id);
CREATE INDEX index_shared_accesses_on_user_id ON shared_accesses (user_id);

CREATE TABLE users (
  id bigserial PRIMARY KEY,
  room_id integer,
  provider varchar,
  uid varchar,
  name varchar,
  username varchar,
  email varchar,
  social_uid varchar,
  image varchar,
  password_digest varchar,
  accepted_terms boolean DEFAULT false,
  created_at timestamp NOT NULL,
  updated_at timestamp NOT NULL,
  email_verified boolean DEFAULT false,
  language varchar DEFAULT 'default',
  reset_digest varchar,
  reset_sent_at timestamp,
  activation_digest varchar,
  activated_at timestamp,
  deleted boolean NOT NULL DEFAULT false,
  role_id integer,
  last_login timestamp,
  failed_attempts integer,
  last_failed_attempt timestamp,
  last_pwd_update timestamp);
CREATE INDEX index_users_on_created_at ON users (created_at);
CREATE INDEX index_users_on_deleted ON users (deleted);
CREATE INDEX index_users_on_email ON users (email);
CREATE UNIQUE INDEX index_users_on_password_digest ON users (password_digest);
CREATE INDEX index_users_on_provider ON users (provider);
CREATE INDEX index_users_on_role_id ON users (role_id);
CREATE INDEX index_users_on_room_id ON users (room_id);

CREATE TABLE users_roles (user_id integer, role_id integer);
CREATE INDEX index_users_roles_on_role_id ON users_roles (role_id);
CREATE INDEX index_users_roles_on_user_id_and_role_id ON users_roles (user_id, role_id);
CREATE INDEX index_users_roles_on_user_id ON users_roles (user_id);

INSERT INTO schema_migrations (version) VALUES ('20180504131705'), ('20190726153012'),
  ('20200730180000'), ('20220209094148');
INSERT INTO ar_internal_metadata VALUES ('environment', 'production', now(), now());
