-- Greenlight v3 database schema, as Rails 7.2 creates it from db/schema.rb of
-- release-3.8.2.4 (master 15db765b, schema version 2026_04_02_000000): uuid
-- ids from pgcrypto's gen_random_uuid(), created_at/updated_at NOT NULL
-- without a database default (Rails fills them), every datetime column
-- timestamp(6), the same unique indexes as upstream (note: none on
-- room_meeting_options, role_permissions, permissions.name or site_settings).
CREATE EXTENSION IF NOT EXISTS pgcrypto;
CREATE TABLE schema_migrations (version varchar PRIMARY KEY);
CREATE TABLE ar_internal_metadata (
  key varchar PRIMARY KEY, value varchar,
  created_at timestamp(6) NOT NULL, updated_at timestamp(6) NOT NULL);

CREATE TABLE active_storage_blobs (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  key varchar NOT NULL,
  filename varchar NOT NULL,
  content_type varchar,
  metadata text,
  service_name varchar NOT NULL,
  byte_size bigint NOT NULL,
  checksum varchar,
  created_at timestamp(6) NOT NULL);
CREATE UNIQUE INDEX index_active_storage_blobs_on_key ON active_storage_blobs (key);

CREATE TABLE active_storage_attachments (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name varchar NOT NULL,
  record_type varchar NOT NULL,
  record_id uuid NOT NULL,
  blob_id uuid NOT NULL REFERENCES active_storage_blobs (id),
  created_at timestamp(6) NOT NULL);
CREATE INDEX index_active_storage_attachments_on_blob_id ON active_storage_attachments (blob_id);
CREATE UNIQUE INDEX index_active_storage_attachments_uniqueness
  ON active_storage_attachments (record_type, record_id, name, blob_id);

CREATE TABLE active_storage_variant_records (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  blob_id uuid NOT NULL REFERENCES active_storage_blobs (id),
  variation_digest varchar NOT NULL);
CREATE UNIQUE INDEX index_active_storage_variant_records_uniqueness
  ON active_storage_variant_records (blob_id, variation_digest);

CREATE TABLE data_migrations (version varchar PRIMARY KEY);

CREATE TABLE invitations (
  id bigserial PRIMARY KEY,
  email varchar NOT NULL,
  provider varchar NOT NULL,
  token varchar NOT NULL,
  created_at timestamp(6) NOT NULL,
  updated_at timestamp(6) NOT NULL,
  name varchar);
CREATE UNIQUE INDEX index_invitations_on_email_and_provider ON invitations (email, provider);
CREATE UNIQUE INDEX index_invitations_on_token ON invitations (token);

CREATE TABLE meeting_options (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name varchar,
  default_value varchar,
  created_at timestamp(6) NOT NULL,
  updated_at timestamp(6) NOT NULL);
CREATE UNIQUE INDEX index_meeting_options_on_name ON meeting_options (name);

CREATE TABLE permissions (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name varchar NOT NULL,
  created_at timestamp(6) NOT NULL,
  updated_at timestamp(6) NOT NULL);

CREATE TABLE roles (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name varchar NOT NULL,
  color varchar NOT NULL DEFAULT '',
  provider varchar NOT NULL,
  created_at timestamp(6) NOT NULL,
  updated_at timestamp(6) NOT NULL);
CREATE UNIQUE INDEX index_roles_on_name_and_provider ON roles (name, provider);

CREATE TABLE role_permissions (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  role_id uuid REFERENCES roles (id),
  permission_id uuid REFERENCES permissions (id),
  value varchar NOT NULL,
  created_at timestamp(6) NOT NULL,
  updated_at timestamp(6) NOT NULL);
CREATE INDEX index_role_permissions_on_permission_id ON role_permissions (permission_id);
CREATE INDEX index_role_permissions_on_role_id ON role_permissions (role_id);

CREATE TABLE users (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name varchar NOT NULL,
  email varchar NOT NULL,
  external_id varchar,
  provider varchar NOT NULL,
  password_digest varchar,
  last_login timestamp(6),
  created_at timestamp(6) NOT NULL,
  updated_at timestamp(6) NOT NULL,
  role_id uuid REFERENCES roles (id),
  language varchar NOT NULL,
  reset_digest varchar,
  reset_sent_at timestamp(6),
  verified boolean DEFAULT false,
  verification_digest varchar,
  verification_sent_at timestamp(6),
  session_token varchar,
  session_expiry timestamp(6),
  status integer DEFAULT 0);
CREATE UNIQUE INDEX index_users_on_email_and_provider ON users (email, provider);
CREATE UNIQUE INDEX index_users_on_reset_digest ON users (reset_digest);
CREATE INDEX index_users_on_role_id ON users (role_id);
CREATE UNIQUE INDEX index_users_on_session_token ON users (session_token);
CREATE UNIQUE INDEX index_users_on_verification_digest ON users (verification_digest);

CREATE TABLE rooms (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid REFERENCES users (id),
  name varchar NOT NULL,
  friendly_id varchar NOT NULL,
  meeting_id varchar NOT NULL,
  last_session timestamp(6),
  created_at timestamp(6) NOT NULL,
  updated_at timestamp(6) NOT NULL,
  recordings_processing integer DEFAULT 0,
  online boolean DEFAULT false);
CREATE UNIQUE INDEX index_rooms_on_friendly_id ON rooms (friendly_id);
CREATE UNIQUE INDEX index_rooms_on_meeting_id ON rooms (meeting_id);
CREATE INDEX index_rooms_on_user_id ON rooms (user_id);

CREATE TABLE room_meeting_options (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  room_id uuid REFERENCES rooms (id),
  meeting_option_id uuid REFERENCES meeting_options (id),
  value varchar,
  created_at timestamp(6) NOT NULL,
  updated_at timestamp(6) NOT NULL);
CREATE INDEX index_room_meeting_options_on_meeting_option_id ON room_meeting_options (meeting_option_id);
CREATE INDEX index_room_meeting_options_on_room_id ON room_meeting_options (room_id);

CREATE TABLE rooms_configurations (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  meeting_option_id uuid REFERENCES meeting_options (id),
  provider varchar NOT NULL,
  value varchar NOT NULL,
  created_at timestamp(6) NOT NULL,
  updated_at timestamp(6) NOT NULL);
CREATE UNIQUE INDEX index_rooms_configurations_on_meeting_option_id_and_provider
  ON rooms_configurations (meeting_option_id, provider);
CREATE INDEX index_rooms_configurations_on_meeting_option_id ON rooms_configurations (meeting_option_id);

CREATE TABLE recordings (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  room_id uuid REFERENCES rooms (id),
  name varchar NOT NULL,
  record_id varchar NOT NULL,
  created_at timestamp(6) NOT NULL,
  updated_at timestamp(6) NOT NULL,
  visibility varchar NOT NULL,
  length integer NOT NULL,
  participants integer NOT NULL,
  protectable boolean,
  recorded_at timestamp(6));
CREATE INDEX index_recordings_on_room_id ON recordings (room_id);

CREATE TABLE formats (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  recording_id uuid REFERENCES recordings (id),
  recording_type varchar NOT NULL,
  url varchar NOT NULL,
  created_at timestamp(6) NOT NULL,
  updated_at timestamp(6) NOT NULL);
CREATE INDEX index_formats_on_recording_id ON formats (recording_id);

CREATE TABLE settings (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name varchar,
  created_at timestamp(6) NOT NULL,
  updated_at timestamp(6) NOT NULL);
CREATE UNIQUE INDEX index_settings_on_name ON settings (name);

CREATE TABLE shared_accesses (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL REFERENCES users (id),
  room_id uuid NOT NULL REFERENCES rooms (id),
  created_at timestamp(6) NOT NULL,
  updated_at timestamp(6) NOT NULL);
CREATE INDEX index_shared_accesses_on_room_id ON shared_accesses (room_id);
CREATE UNIQUE INDEX index_shared_accesses_on_user_id_and_room_id ON shared_accesses (user_id, room_id);
CREATE INDEX index_shared_accesses_on_user_id ON shared_accesses (user_id);

CREATE TABLE site_settings (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  setting_id uuid REFERENCES settings (id),
  value varchar NOT NULL,
  provider varchar NOT NULL,
  created_at timestamp(6) NOT NULL,
  updated_at timestamp(6) NOT NULL);
CREATE INDEX index_site_settings_on_setting_id ON site_settings (setting_id);

CREATE TABLE tenants (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name varchar NOT NULL,
  client_secret varchar NOT NULL,
  created_at timestamp(6) NOT NULL,
  updated_at timestamp(6) NOT NULL,
  region varchar);
CREATE UNIQUE INDEX index_tenants_on_name ON tenants (name);
