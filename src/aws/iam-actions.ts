/**
 * The IAM actions the app calls with an admin's keys: the policy the README asks the AWS admin to
 * grant, statement by statement. STS GetCallerIdentity is not here: it needs no permission.
 */

/** Find the application and profile, and associate the extension with the profile. Required. */
export const REQUIRED_ACTIONS = [
  'appconfig:ListApplications',
  'appconfig:ListConfigurationProfiles',
  'appconfig:ListExtensionAssociations',
  'appconfig:GetExtensionAssociation',
  'appconfig:CreateExtensionAssociation',
  'appconfig:UpdateExtensionAssociation',
] as const;

/** Read the profile's latest saved version, so existing flags get issues at once. Optional. */
export const BACKFILL_ACTIONS = ['appconfig:ListHostedConfigurationVersions', 'appconfig:GetHostedConfigurationVersion'] as const;
