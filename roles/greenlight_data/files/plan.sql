-- The planning both generations share, after plan-v2.sql or plan-v3.sql
-- (which build plan_users, plan_roles and source_rooms with the same columns):
-- email conflicts by greenlight_data_email_conflict_policy (marking
-- plan_users: skip_reason, survivor_id, adopt), the roles migrated users
-- need, and plan_rooms. Every problem is recorded before any write.
--
-- psql variables: email_conflict, source_v3.
\set ON_ERROR_STOP 1

-- Two source accounts, one email (case-insensitive), one target provider. The
-- most recently used one survives a merge; ties go to the oldest (a v3
-- source by created_at, then id; a v2 source by id).
CREATE TABLE dup_emails AS
SELECT email, provider,
       array_agg(src_id ORDER BY last_login DESC NULLS LAST, CASE WHEN :'source_v3'::boolean THEN created_at END, src_id) AS ids,
       string_agg(format('%s (%s)', src_id, src_provider), ', ' ORDER BY src_id) AS accounts
  FROM plan_users WHERE skip_reason IS NULL AND provider IS NOT NULL
 GROUP BY email, provider HAVING count(*) > 1;
ANALYZE dup_emails;
INSERT INTO problems
SELECT format('Email %s: source accounts %s all map to provider %s and greenlight_data_email_conflict_policy is fail: '
              'choose merge or skip, or map the providers apart.', email, accounts, provider)
  FROM dup_emails WHERE :'email_conflict' = 'fail';
UPDATE plan_users p SET skip_reason = 'duplicate email' FROM dup_emails d
 WHERE :'email_conflict' = 'skip' AND p.email = d.email AND p.provider = d.provider AND p.skip_reason IS NULL;
UPDATE plan_users p SET survivor_id = d.ids[1] FROM dup_emails d
 WHERE :'email_conflict' = 'merge' AND p.email = d.email AND p.provider = d.provider AND p.skip_reason IS NULL;

-- A target account with the same email and provider that this migration did not
-- create (it keeps the source's created_at, so a different one is someone else's).
CREATE TABLE target_conflicts AS
SELECT p.src_id, p.email, p.provider FROM plan_users p JOIN public.users t ON t.email = p.email AND t.provider = p.provider
 WHERE p.skip_reason IS NULL AND p.survivor_id = p.src_id AND t.created_at IS DISTINCT FROM p.created_at
   AND NOT (:'email_conflict' = 'fail' AND EXISTS (SELECT 1 FROM dup_emails d WHERE d.email = p.email AND d.provider = p.provider));
ANALYZE target_conflicts;
INSERT INTO problems
SELECT format('Email %s: the target already has an account under provider %s that this migration did not create, and '
              'greenlight_data_email_conflict_policy is fail: choose merge (adopt it) or skip.', email, provider)
  FROM target_conflicts WHERE :'email_conflict' = 'fail';
UPDATE plan_users p SET skip_reason = 'target account exists' FROM target_conflicts c
 WHERE :'email_conflict' = 'skip' AND p.survivor_id = c.src_id AND p.skip_reason IS NULL;
UPDATE plan_users p SET adopt = true FROM target_conflicts c
 WHERE :'email_conflict' = 'merge' AND p.survivor_id = c.src_id AND p.skip_reason IS NULL;
-- Roles the migrated users need: on the target or in plan_roles. (A v3
-- source's plan_roles holds every role of a mapped provider, so this only
-- finds v2 roles.)
INSERT INTO problems
SELECT format('The target has no role %s for provider %s, which %s migrated users need: create it in Greenlight first.',
              n.role_name, n.provider, n.users)
  FROM (SELECT role_name, role_provider AS provider, count(*) AS users FROM plan_users
         WHERE skip_reason IS NULL AND role_provider IS NOT NULL AND role_name IS NOT NULL GROUP BY role_name, role_provider) n
 WHERE NOT EXISTS (SELECT 1 FROM public.roles t WHERE t.name = n.role_name AND t.provider = n.provider)
   AND NOT EXISTS (SELECT 1 FROM plan_roles c WHERE c.name = n.role_name AND c.provider = n.provider);

-- Rooms of migrated owners, keyed on their link (friendly id).
CREATE TABLE plan_rooms AS
SELECT r.*, o.email AS owner_email, o.provider AS owner_provider,
       CASE WHEN r.deleted THEN 'deleted'
            WHEN p.src_id IS NULL THEN 'owner unknown'
            WHEN p.skip_reason IS NOT NULL THEN 'owner skipped (' || p.skip_reason || ')'
            ELSE r.incomplete END AS skip_reason
  FROM source_rooms r
  LEFT JOIN plan_users p ON p.src_id = r.owner_src_id
  LEFT JOIN plan_users o ON o.src_id = p.survivor_id;
ANALYZE plan_rooms;
-- (v2 only in practice: a v3 source has a unique index on friendly_id.)
INSERT INTO problems
SELECT format('Room link %s is used by %s source rooms (ids %s): v3 needs one room per link; delete or rename all but one in v2.',
              friendly_id, count(*), string_agg(src_id::text, ', ' ORDER BY src_id))
  FROM plan_rooms WHERE skip_reason IS NULL GROUP BY friendly_id HAVING count(*) > 1;
INSERT INTO problems
SELECT format('Room %s: the target already has a room with this %s but a different %s (%s): another room holds it; '
              'resolve it on the target first.', p.friendly_id, k.key, k.other, k.value)
  FROM plan_rooms p
  JOIN LATERAL (
    SELECT 'friendly id' AS key, 'meeting id' AS other, t.meeting_id AS value FROM public.rooms t
     WHERE t.friendly_id = p.friendly_id AND t.meeting_id <> p.meeting_id
    UNION ALL
    SELECT 'meeting id', 'friendly id', t.friendly_id FROM public.rooms t
     WHERE t.meeting_id = p.meeting_id AND t.friendly_id <> p.friendly_id) k ON true
 WHERE p.skip_reason IS NULL;
