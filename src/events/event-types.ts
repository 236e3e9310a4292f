/**
 * The names of AppConfig extension events: the action points the extension acts on, the `Type` each
 * event carries, and which of them the app keeps. Dependency-free, because the CloudFormation template
 * (built by a script and served by the app) takes its action points from here.
 */

/** The action points the extension acts on; the forwarder posts every one of them. */
export const ACTION_POINTS = [
  'PRE_CREATE_HOSTED_CONFIGURATION_VERSION',
  'ON_DEPLOYMENT_START',
  'ON_DEPLOYMENT_COMPLETE',
  'ON_DEPLOYMENT_ROLLED_BACK',
] as const;
export type ActionPoint = (typeof ACTION_POINTS)[number];

/** A saved flag document: the only event that carries the content. */
export const SAVED_VERSION_EVENT_TYPE = 'PreCreateHostedConfigurationVersion';
/** Deployment events: a comment on the issue of each flag the deployed version changed. */
export const DEPLOYMENT_EVENT_TYPES = ['OnDeploymentStart', 'OnDeploymentComplete', 'OnDeploymentRolledBack'] as const;
export type DeploymentEventType = (typeof DEPLOYMENT_EVENT_TYPES)[number];

/** Event types that lead to Jira writes, and so are stored. */
export const STORED_EVENT_TYPES = [SAVED_VERSION_EVENT_TYPE, ...DEPLOYMENT_EVENT_TYPES] as const;
/** The other types AppConfig sends: acknowledged and not kept. */
export const IGNORED_EVENT_TYPES = ['PreStartDeployment', 'OnDeploymentStep', 'OnDeploymentBaking', 'AtDeploymentTick'] as const;

/**
 * The app's own event: the hosted version read when an association is made, stored and processed like
 * a saved version (AppConfig never sends this type).
 */
export const BACKFILL_EVENT_TYPE = 'Backfill';

export const isDeploymentEventType = (type: string): type is DeploymentEventType =>
  (DEPLOYMENT_EVENT_TYPES as readonly string[]).includes(type);

export const isStoredEventType = (type: string): type is (typeof STORED_EVENT_TYPES)[number] =>
  (STORED_EVENT_TYPES as readonly string[]).includes(type);
