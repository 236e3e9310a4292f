/**
 * The IAM actions the app may call with the admin's keys (a superset of the README policy's required
 * statements), for seeding keys in tests, the demo and the benchmark.
 */
export const BASIC_ACTIONS = [
  'appconfig:ListApplications',
  'appconfig:GetApplication',
  'appconfig:ListConfigurationProfiles',
  'appconfig:GetConfigurationProfile',
  'appconfig:ListExtensionAssociations',
  'appconfig:GetExtensionAssociation',
  'appconfig:CreateExtensionAssociation',
  'appconfig:UpdateExtensionAssociation',
  'appconfig:GetExtension',
];

/** The optional statement that lets the app backfill existing flags. */
export const READ_VERSIONS_ACTIONS = ['appconfig:ListHostedConfigurationVersions', 'appconfig:GetHostedConfigurationVersion'];
