-- What a fresh Greenlight v3 holds after db:schema:load, db:seed and its data
-- migrations: the meeting options and per-provider room configurations, the
-- built-in roles (Administrator, User, Guest) with one role_permissions row
-- per permission, the site settings with their defaults for the provider
-- 'greenlight'. Timestamps are explicit: the columns have no default.
INSERT INTO schema_migrations (version) VALUES ('20220601000000'), ('20230705183747');
INSERT INTO ar_internal_metadata VALUES ('environment', 'production', now(), now());

INSERT INTO meeting_options (name, default_value, created_at, updated_at) VALUES
  ('record', 'false', now(), now()),
  ('muteOnStart', 'false', now(), now()),
  ('guestPolicy', 'ALWAYS_ACCEPT', now(), now()),
  ('glAnyoneCanStart', 'false', now(), now()),
  ('glAnyoneJoinAsModerator', 'false', now(), now()),
  ('glRequireAuthentication', 'false', now(), now()),
  ('glModeratorAccessCode', '', now(), now()),
  ('glViewerAccessCode', '', now(), now());

INSERT INTO rooms_configurations (meeting_option_id, provider, value, created_at, updated_at)
SELECT id, 'greenlight', c.value, now(), now()
  FROM meeting_options JOIN (VALUES
    ('record', 'optional'), ('muteOnStart', 'optional'), ('guestPolicy', 'optional'),
    ('glAnyoneCanStart', 'optional'), ('glAnyoneJoinAsModerator', 'optional'),
    ('glRequireAuthentication', 'optional'), ('glModeratorAccessCode', 'optional'),
    ('glViewerAccessCode', 'optional')) AS c(name, value) USING (name);

INSERT INTO roles (name, color, provider, created_at, updated_at) VALUES
  ('Administrator', '#228B22', 'greenlight', now(), now()),
  ('User', '#4169E1', 'greenlight', now(), now()),
  ('Guest', '#FFA500', 'greenlight', now(), now());

INSERT INTO permissions (name, created_at, updated_at) VALUES
  ('CreateRoom', now(), now()), ('ManageUsers', now(), now()), ('ManageRooms', now(), now()),
  ('ManageRecordings', now(), now()), ('ManageSiteSettings', now(), now()),
  ('ManageRoles', now(), now()), ('SharedList', now(), now()), ('CanRecord', now(), now()),
  ('RoomLimit', now(), now()), ('EmailOnSignup', now(), now());

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
    ('Guest', 'RoomLimit', '100'), ('Guest', 'EmailOnSignup', 'false')) AS v(role, permission, value)
  JOIN roles r ON r.name = v.role AND r.provider = 'greenlight'
  JOIN permissions p ON p.name = v.permission;

INSERT INTO settings (name, created_at, updated_at)
SELECT name, now(), now() FROM unnest(ARRAY['PrimaryColor', 'PrimaryColorLight', 'PrimaryColorDark',
  'BrandingImage', 'Terms', 'PrivacyPolicy', 'RegistrationMethod', 'ShareRooms',
  'PreuploadPresentation', 'RoleMapping']) AS name;

INSERT INTO site_settings (setting_id, value, provider, created_at, updated_at)
SELECT s.id, v.value, 'greenlight', now(), now()
  FROM (VALUES ('PrimaryColor', '#467fcf'), ('PrimaryColorLight', '#e8eff9'),
    ('PrimaryColorDark', '#316cbe'), ('BrandingImage', 'https://blindsidenetworks.com/wp-content/uploads/2021/08/greenlight-logo.png'),
    ('Terms', ''), ('PrivacyPolicy', ''), ('RegistrationMethod', 'open'), ('ShareRooms', 'true'),
    ('PreuploadPresentation', 'true'), ('RoleMapping', '')) AS v(name, value)
  JOIN settings s USING (name);
