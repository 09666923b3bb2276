-- Included by both transforms (psql \i) once want_options holds every
-- (room, meeting option) row the target must have and the differing ones are
-- updated: inserts the missing rows and reports them. A run that adds at
-- least bulk_load_rows rows, and at least a quarter of what the table holds
-- (a first migration), loads them in bulk (files/bulk-load.sql).
CREATE TABLE new_options AS
SELECT w.room_id, w.meeting_option_id, w.value, w.created_at, w.updated_at FROM want_options w
 WHERE NOT EXISTS (SELECT 1 FROM public.room_meeting_options t
                    WHERE t.room_id = w.room_id AND t.meeting_option_id = w.meeting_option_id);
ANALYZE new_options;
-- A first migration adds most of the table: load it in bulk (files/bulk-load.sql).
SELECT :bulk_load_rows::bigint > 0 AND n >= :bulk_load_rows::bigint
       AND n * 4 >= (SELECT count(*) FROM public.room_meeting_options) AS greenlight_data_bulk
  FROM (SELECT count(*) AS n FROM new_options) c \gset
\if :greenlight_data_bulk
SELECT bulk_load_begin('public.room_meeting_options');
INSERT INTO bulk_loaded VALUES ('room_meeting_options');
\endif
INSERT INTO public.room_meeting_options (room_id, meeting_option_id, value, created_at, updated_at)
SELECT room_id, meeting_option_id, value, created_at, updated_at FROM new_options;
INSERT INTO report SELECT 'created', 'room_meeting_options', NULL, count(*) FROM new_options;
\if :greenlight_data_bulk
SELECT bulk_load_end('public.room_meeting_options');
\endif
