-- Opens the run's one transaction and its staging schema, shaped like the
-- COPY blocks of export-v3.sql (which follow this file on psql's input).
-- Everything, the staging schema included, disappears on rollback or
-- interruption. Column types are the live v3 ones, so that the manifest's
-- digests of the source compare equal to digests of the staged rows.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
BEGIN;
-- A dry run reads the live tables from one snapshot (live-target.sql).
\if :dry_run
SET TRANSACTION ISOLATION LEVEL REPEATABLE READ;
\endif
SET LOCAL DateStyle = 'ISO, YMD';
SET LOCAL TimeZone = 'UTC';
SET LOCAL lock_timeout = '60s';
CREATE TEMP TABLE greenlight_data_clock AS SELECT 'start'::text AS step, clock_timestamp() AS at;
DROP SCHEMA IF EXISTS greenlight_data_staging CASCADE;
CREATE SCHEMA greenlight_data_staging;
SET LOCAL search_path = greenlight_data_staging, public;
CREATE UNLOGGED TABLE users (id uuid PRIMARY KEY, name varchar, email varchar, external_id varchar, provider varchar,
  password_digest varchar, last_login timestamp, role_id uuid, language varchar, verified boolean, status integer,
  created_at timestamp, updated_at timestamp);
CREATE UNLOGGED TABLE roles (id uuid PRIMARY KEY, name varchar, color varchar, provider varchar,
  created_at timestamp, updated_at timestamp);
CREATE UNLOGGED TABLE permissions (id uuid PRIMARY KEY, name varchar);
CREATE UNLOGGED TABLE role_permissions (id uuid PRIMARY KEY, role_id uuid, permission_id uuid, value varchar,
  created_at timestamp, updated_at timestamp);
CREATE UNLOGGED TABLE rooms (id uuid PRIMARY KEY, user_id uuid, name varchar, friendly_id varchar, meeting_id varchar,
  last_session timestamp, created_at timestamp, updated_at timestamp);
CREATE UNLOGGED TABLE meeting_options (id uuid PRIMARY KEY, name varchar, default_value varchar);
CREATE UNLOGGED TABLE room_meeting_options (id uuid PRIMARY KEY, room_id uuid, meeting_option_id uuid, value varchar,
  created_at timestamp, updated_at timestamp);
CREATE UNLOGGED TABLE shared_accesses (id uuid PRIMARY KEY, user_id uuid, room_id uuid, created_at timestamp, updated_at timestamp);
CREATE UNLOGGED TABLE settings (id uuid PRIMARY KEY, name varchar);
CREATE UNLOGGED TABLE site_settings (id uuid PRIMARY KEY, setting_id uuid, value varchar, provider varchar,
  created_at timestamp, updated_at timestamp);
CREATE UNLOGGED TABLE recordings (id uuid PRIMARY KEY, room_id uuid, name varchar, record_id varchar, visibility varchar,
  length integer, participants integer, protectable boolean, recorded_at timestamp,
  created_at timestamp, updated_at timestamp);
CREATE UNLOGGED TABLE formats (id uuid PRIMARY KEY, recording_id uuid, recording_type varchar, url varchar,
  created_at timestamp, updated_at timestamp);
CREATE UNLOGGED TABLE rooms_configurations (id uuid PRIMARY KEY, meeting_option_id uuid, provider varchar, value varchar,
  created_at timestamp, updated_at timestamp);
CREATE UNLOGGED TABLE manifest (tbl text PRIMARY KEY, n bigint, digest text);
