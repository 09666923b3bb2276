-- Opens the run's one transaction and its staging schema, shaped like the
-- export's COPY blocks (which follow this file on psql's input). Everything,
-- the staging schema included, disappears on rollback or interruption.
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
CREATE UNLOGGED TABLE users (id bigint PRIMARY KEY, provider varchar, name varchar, email varchar, social_uid varchar,
  password_digest varchar, email_verified boolean, language varchar, deleted boolean, role_id integer,
  last_login timestamp, activated_at timestamp, created_at timestamp, updated_at timestamp);
CREATE UNLOGGED TABLE rooms (id bigint PRIMARY KEY, user_id integer, name varchar, uid varchar, bbb_id varchar,
  last_session timestamp, room_settings varchar, access_code varchar, moderator_access_code varchar,
  deleted boolean, created_at timestamp, updated_at timestamp);
CREATE UNLOGGED TABLE shared_accesses (id bigint PRIMARY KEY, room_id integer, user_id integer,
  created_at timestamp, updated_at timestamp);
CREATE UNLOGGED TABLE roles (id bigint PRIMARY KEY, name varchar, provider varchar, colour varchar,
  created_at timestamp, updated_at timestamp);
CREATE UNLOGGED TABLE role_permissions (id bigint PRIMARY KEY, role_id integer, name varchar, value varchar, enabled boolean);
CREATE UNLOGGED TABLE settings (id bigint PRIMARY KEY, provider varchar);
CREATE UNLOGGED TABLE features (id bigint PRIMARY KEY, setting_id integer, name varchar, value varchar, enabled boolean);
-- The target BBB nodes' recordings (one JSON row per recording and format, from their
-- metadata.xml: library/bbb_recordings_catalog.py), when the run fills v3's recordings.
CREATE UNLOGGED TABLE bbb_recordings (doc jsonb);
CREATE UNLOGGED TABLE manifest (tbl text PRIMARY KEY, n bigint, digest text);
