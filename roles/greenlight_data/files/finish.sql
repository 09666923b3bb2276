-- Ends the run's transaction, after the writes' report (and, in a dry
-- run, the check of the copies it wrote): commits when the run is real and
-- verified, else rolls everything back, the staging schema included.
\if :greenlight_data_rollback
ROLLBACK;
\else
DROP SCHEMA greenlight_data_staging CASCADE;
COMMIT;
\endif
