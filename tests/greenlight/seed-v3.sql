-- What a fresh Greenlight v3 (release-3.8.2.4, master 15db765b) holds after
-- db:schema:load, db:seed and its data migrations (db/data/*.rb, run by the
-- data_migrate gem): the meeting options and per-provider room configurations,
-- the built-in roles (Administrator, User, Guest) with one role_permissions row
-- per permission, the 'bn' provider's SuperAdmin role, the site settings with
-- their defaults for the provider 'greenlight'. No tenants, so no rows for
-- other providers. db/seeds.rb only adds a sample admin@admin.com account
-- (left out: bin/start never runs db:seed, and an installer creates its own
-- administrator). Timestamps are explicit: the columns have no default.

-- db:schema:load marks every file of db/migrate as run (the last one is the
-- schema version) and records the environment and db/schema.rb's SHA-1.
INSERT INTO schema_migrations (version)
SELECT unnest(ARRAY['20220229174948', '20220314184634', '20220315151617', '20220317142349',
  '20220411192122', '20220412180711', '20220418171035', '20220418171152', '20220421185735',
  '20220505192018', '20220531180853', '20220531182239', '20220609103801', '20220614120002',
  '20220615145721', '20220616175700', '20220711200055', '20220712202439', '20220713143235',
  '20220721131241', '20220721143652', '20220721144137', '20220914190934', '20220928193827',
  '20221012200427', '20221019201841', '20221025184305', '20230227213252', '20230301203522',
  '20230307184209', '20230705183745', '20230705183746', '20230705183747', '20260109153256',
  '20260402000000']);
INSERT INTO ar_internal_metadata VALUES
  ('environment', 'production', now(), now()),
  ('schema_sha1', '224b1a9869e0e77c676011aa933541323b2864f2', now(), now());

-- data:migrate records each file of db/data it ran (data_schema.rb: 2026_04_02_000001).
INSERT INTO data_migrations (version)
SELECT unnest(ARRAY['20220421162907', '20220531182437', '20220712202649', '20220713143528',
  '20220721131636', '20220721145016', '20220721145933', '20220929144051', '20220930022007',
  '20221003201116', '20221115190918', '20221116010619', '20230123174546', '20230228193705',
  '20231030185844', '20231117151542', '20231210154647', '20231213203353', '20240123184213',
  '20240125154727', '20240205160221', '20240209155229', '20240423162700', '20240812210436',
  '20250130160334', '20250501185954', '20260119170745', '20260402000001']);

-- Meeting options: 20220421162907_populate_meeting_options.rb (the first eight),
-- 20240423162700_create_server_tags_option.rb (serverTag, serverTagRequired).
INSERT INTO meeting_options (name, default_value, created_at, updated_at) VALUES
  ('record', 'false', now(), now()),
  ('muteOnStart', 'false', now(), now()),
  ('guestPolicy', 'ALWAYS_ACCEPT', now(), now()),
  ('glAnyoneCanStart', 'false', now(), now()),
  ('glAnyoneJoinAsModerator', 'false', now(), now()),
  ('glRequireAuthentication', 'false', now(), now()),
  ('glModeratorAccessCode', '', now(), now()),
  ('glViewerAccessCode', '', now(), now()),
  ('serverTag', '', now(), now()),
  ('serverTagRequired', 'false', now(), now());

-- Room configurations of the provider 'greenlight', one per option:
-- 20220721131636_populate_rooms_configurations.rb (all 'optional'), then
-- 20230123174546_update_record_rooms_configuration_default.rb (record) and
-- 20250501185954_update_mute_on_start_to_enabled.rb (muteOnStart) make those
-- two 'default_enabled'; 20240423162700_create_server_tags_option.rb adds the
-- server tag ones.
INSERT INTO rooms_configurations (meeting_option_id, provider, value, created_at, updated_at)
SELECT id, 'greenlight', c.value, now(), now()
  FROM meeting_options JOIN (VALUES
    ('record', 'default_enabled'), ('muteOnStart', 'default_enabled'), ('guestPolicy', 'optional'),
    ('glAnyoneCanStart', 'optional'), ('glAnyoneJoinAsModerator', 'optional'),
    ('glRequireAuthentication', 'optional'), ('glModeratorAccessCode', 'optional'),
    ('glViewerAccessCode', 'optional'), ('serverTag', 'optional'),
    ('serverTagRequired', 'optional')) AS c(name, value) USING (name);

-- Roles: 20220531182437_populate_roles.rb (colours from Role's
-- set_role_color), 20221116010619_populate_super_admin_role_permissions.rb
-- (SuperAdmin of the provider 'bn'; upstream gives it a random colour, fixed here).
INSERT INTO roles (name, color, provider, created_at, updated_at) VALUES
  ('Administrator', '#228B22', 'greenlight', now(), now()),
  ('User', '#4169E1', 'greenlight', now(), now()),
  ('Guest', '#FFA500', 'greenlight', now(), now()),
  ('SuperAdmin', '#5A3E85', 'bn', now(), now());

-- Permissions: 20220721145016_populate_permissions.rb (CreateRoom..CanRecord),
-- 20220930022007_populate_room_limit_role_permission.rb (RoomLimit),
-- 20231117151542_add_email_on_sign_up_permission.rb (EmailOnSignup),
-- 20231210154647_add_visibility_to_role_permissions.rb (AccessToVisibilities).
INSERT INTO permissions (name, created_at, updated_at) VALUES
  ('CreateRoom', now(), now()), ('ManageUsers', now(), now()), ('ManageRooms', now(), now()),
  ('ManageRecordings', now(), now()), ('ManageSiteSettings', now(), now()),
  ('ManageRoles', now(), now()), ('SharedList', now(), now()), ('CanRecord', now(), now()),
  ('RoomLimit', now(), now()), ('EmailOnSignup', now(), now()),
  ('AccessToVisibilities', now(), now());

-- One row per role and permission: 20220721145933_populate_role_permissions.rb,
-- 20220930022007_populate_room_limit_role_permission.rb,
-- 20221116010619_populate_super_admin_role_permissions.rb,
-- 20231117151542_add_email_on_sign_up_permission.rb ('true' for Administrator
-- only), 20231210154647_add_visibility_to_role_permissions.rb (every role: all
-- of Recording's visibilities, stored as the text of a Ruby array, which the
-- application reads back as JSON).
INSERT INTO role_permissions (role_id, permission_id, value, created_at, updated_at)
SELECT r.id, p.id, v.value, now(), now()
  FROM (VALUES
    ('Administrator', 'CreateRoom', 'true'), ('Administrator', 'ManageUsers', 'true'),
    ('Administrator', 'ManageRooms', 'true'), ('Administrator', 'ManageRecordings', 'true'),
    ('Administrator', 'ManageSiteSettings', 'true'), ('Administrator', 'ManageRoles', 'true'),
    ('Administrator', 'SharedList', 'true'), ('Administrator', 'CanRecord', 'true'),
    ('Administrator', 'RoomLimit', '100'), ('Administrator', 'EmailOnSignup', 'true'),
    ('User', 'CreateRoom', 'true'), ('User', 'ManageUsers', 'false'),
    ('User', 'ManageRooms', 'false'), ('User', 'ManageRecordings', 'false'),
    ('User', 'ManageSiteSettings', 'false'), ('User', 'ManageRoles', 'false'),
    ('User', 'SharedList', 'true'), ('User', 'CanRecord', 'true'),
    ('User', 'RoomLimit', '100'), ('User', 'EmailOnSignup', 'false'),
    ('Guest', 'CreateRoom', 'false'), ('Guest', 'ManageUsers', 'false'),
    ('Guest', 'ManageRooms', 'false'), ('Guest', 'ManageRecordings', 'false'),
    ('Guest', 'ManageSiteSettings', 'false'), ('Guest', 'ManageRoles', 'false'),
    ('Guest', 'SharedList', 'true'), ('Guest', 'CanRecord', 'true'),
    ('Guest', 'RoomLimit', '100'), ('Guest', 'EmailOnSignup', 'false'),
    ('SuperAdmin', 'CreateRoom', 'true'), ('SuperAdmin', 'ManageUsers', 'true'),
    ('SuperAdmin', 'ManageRooms', 'true'), ('SuperAdmin', 'ManageRecordings', 'true'),
    ('SuperAdmin', 'ManageSiteSettings', 'true'), ('SuperAdmin', 'ManageRoles', 'true'),
    ('SuperAdmin', 'SharedList', 'false'), ('SuperAdmin', 'CanRecord', 'true'),
    ('SuperAdmin', 'RoomLimit', '100'), ('SuperAdmin', 'EmailOnSignup', 'false')) AS v(role, permission, value)
  JOIN roles r ON r.name = v.role
  JOIN permissions p ON p.name = v.permission
UNION ALL
SELECT r.id, p.id, '["Published", "Unpublished", "Protected", "Public", "Public/Protected"]', now(), now()
  FROM roles r JOIN permissions p ON p.name = 'AccessToVisibilities';

-- Settings, in the order the data migrations create them:
-- 20220712202649_populate_settings.rb (PrimaryColor..RoleMapping),
-- 20220929144051_add_resync_on_login_to_settings.rb,
-- 20221003201116_populate_default_role_settings.rb,
-- 20231213203353_add_default_recording_visibility_to_settings.rb,
-- 20240125154727_add_help_center_setting.rb, 20240205160221_add_maintenance_setting.rb,
-- 20240209155229_add_session_timeout_setting.rb,
-- 20240812210436_add_allowed_domains_to_site_settings.rb,
-- 20250130160334_add_sign_in_on_room_join_to_site_settings.rb,
-- 20260119170745_add_accessibility_setting.rb,
-- 20260402000001_add_allow_name_update_to_site_settings.rb.
INSERT INTO settings (name, created_at, updated_at)
SELECT name, now(), now() FROM unnest(ARRAY['PrimaryColor', 'PrimaryColorLight', 'PrimaryColorDark',
  'BrandingImage', 'Terms', 'PrivacyPolicy', 'RegistrationMethod', 'ShareRooms',
  'PreuploadPresentation', 'RoleMapping', 'ResyncOnLogin', 'DefaultRole',
  'DefaultRecordingVisibility', 'HelpCenter', 'Maintenance', 'SessionTimeout', 'AllowedDomains',
  'SignInOnRoomJoin', 'AccessibilityStatement', 'AllowNameUpdate']) AS name;

-- Their values for the provider 'greenlight': 20220713143528_populate_site_settings.rb
-- for the first ten, the same migrations as above for the others. BrandingImage
-- is the bbb_logo.png address upstream falls back to when the asset helper
-- fails; an install that precompiled its assets first (bin/start) stores the
-- digested /assets/bbb_logo-<digest>.png path instead.
INSERT INTO site_settings (setting_id, value, provider, created_at, updated_at)
SELECT s.id, v.value, 'greenlight', now(), now()
  FROM (VALUES ('PrimaryColor', '#467fcf'), ('PrimaryColorLight', '#e8eff9'),
    ('PrimaryColorDark', '#316cbe'),
    ('BrandingImage', 'https://github.com/bigbluebutton/greenlight/blob/master/app/assets/images/bbb_logo.png'),
    ('Terms', ''), ('PrivacyPolicy', ''), ('RegistrationMethod', 'open'), ('ShareRooms', 'true'),
    ('PreuploadPresentation', 'true'), ('RoleMapping', ''), ('ResyncOnLogin', 'true'),
    ('DefaultRole', 'User'), ('DefaultRecordingVisibility', 'Published'), ('HelpCenter', ''),
    ('Maintenance', ''), ('SessionTimeout', '1'), ('AllowedDomains', ''),
    ('SignInOnRoomJoin', 'true'), ('AccessibilityStatement', ''),
    ('AllowNameUpdate', 'true')) AS v(name, value)
  JOIN settings s USING (name);
