/** The app's AWS access layer: the admin's keys go in for one call and are never kept. */
export type { AwsAccess } from './clients.js';
export { maskAccessKeyId } from './errors.js';
export { checkCredentials } from './identity.js';
export {
  FEATURE_FLAGS_TYPE,
  listApplications,
  listFeatureFlagProfiles,
  profileArn,
  resolveApplication,
  resolveFeatureFlagProfile,
  type ApplicationRef,
  type ProfileRef,
} from './resolve.js';
export {
  createExtensionAssociation,
  findExtensionAssociation,
  updateExtensionAssociation,
  type ExtensionAssociationRef,
} from './extension-associations.js';
export { readLatestHostedVersion, type HostedVersion } from './hosted-versions.js';
export { BACKFILL_ACTIONS, REQUIRED_ACTIONS } from './iam-actions.js';
export { ACCESS_KEY_ID, KEY_CHARACTERS, REGION_CODE, SECRET_ACCESS_KEY_LENGTH, SESSION_TOKEN_MAX_LENGTH } from './credential-shape.js';
