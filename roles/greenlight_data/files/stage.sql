-- Opens the run's one transaction and its staging schema. stage-v2.sql or
-- stage-v3.sql follows and creates the staging tables, shaped like the
-- export's COPY blocks (which follow it on psql's input). Everything, the
-- staging schema included, disappears on rollback or interruption.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
BEGIN;
SET LOCAL DateStyle = 'ISO, YMD';
SET LOCAL TimeZone = 'UTC';
SET LOCAL lock_timeout = '60s';
CREATE TEMP TABLE greenlight_data_clock AS SELECT 'start'::text AS step, clock_timestamp() AS at;
DROP SCHEMA IF EXISTS greenlight_data_staging CASCADE;
CREATE SCHEMA greenlight_data_staging;
SET LOCAL search_path = greenlight_data_staging, public;
