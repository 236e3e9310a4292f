/**
 * A flag as Jira's Releases panel (feature-flag API, schema 1.0) shows it: its own issue and the issues
 * its description names, whether it is on, and one entry per environment where its value is known.
 * Jira replaces the whole flag on every submission, so this always renders every environment.
 */
import type { FlagInEnvironment } from '../../environments/flag-environments.js';

export const FEATURE_FLAG_SCHEMA_VERSION = '1.0';
/** The submission property naming the association: removing it deletes its flags by this property. */
export const ASSOCIATION_PROPERTY = 'appconfigAssociation';
const MAX_TEXT = 255;
const MAX_ASSOCIATED_ISSUES = 500;
/** Issue keys as engineers write them in a description (a project key, a dash, a number). */
const ISSUE_KEY = /(?<![A-Za-z0-9_-])[A-Z][A-Z_0-9]+-\d+(?![A-Za-z0-9_])/g;

export interface FeatureFlagStatus {
  enabled: boolean;
  rollout?: { text: string };
}

export interface FeatureFlagDetails {
  url: string;
  lastUpdated: string;
  environment: { name: string; type?: string };
  status: FeatureFlagStatus;
}

export interface JiraFeatureFlag {
  schemaVersion: typeof FEATURE_FLAG_SCHEMA_VERSION;
  id: string;
  key: string;
  updateSequenceId: number;
  displayName: string;
  associations: { associationType: 'issueIdOrKeys'; values: string[] }[];
  summary: { url: string; status: FeatureFlagStatus; lastUpdated: string };
  details: FeatureFlagDetails[];
}

export interface FeatureFlagInput {
  associationId: string;
  flagKey: string;
  /** The flag's name in its newest saved version. */
  name: string;
  description?: string;
  /** The flag's own issue. */
  issueKey: string;
  /** Enabled in the newest saved version. */
  enabled: boolean;
  environments: readonly FlagInEnvironment[];
  /** The flag in the AWS console. */
  consoleUrl: string;
}

/** Stable for (association, flag key), distinct across associations (flag keys hold no dot). */
export function featureFlagId(associationId: string, flagKey: string): string {
  return `${associationId}.${flagKey}`;
}

/** The issue keys written in a description, in order of appearance, each once. */
export function issueKeysIn(text: string | undefined): string[] {
  if (!text) return [];
  return [...new Set(text.match(ISSUE_KEY) ?? [])];
}

const cut = (s: string): string => (s.length <= MAX_TEXT ? s : `${s.slice(0, MAX_TEXT - 1)}…`);

function rolloutText(env: FlagInEnvironment): string | undefined {
  const d = env.deploying;
  if (!d) return undefined;
  const version = d.version === null ? 'a version' : `version ${d.version}`;
  const value = d.enabled === null ? '' : d.enabled ? ' (on in it)' : ' (off in it)';
  return cut(`Deployment #${d.deploymentNumber} of ${version}${value} is under way since ${d.since}`);
}

/**
 * The flag without its `updateSequenceId` (given when the change is recorded), or null while no
 * environment shows a known value: Jira needs at least one, and none is ever invented.
 */
export function featureFlag(input: FeatureFlagInput): Omit<JiraFeatureFlag, 'updateSequenceId'> | null {
  const details: FeatureFlagDetails[] = [];
  for (const env of input.environments) {
    if (env.enabled === null) continue;
    const rollout = rolloutText(env);
    details.push({
      url: input.consoleUrl,
      lastUpdated: env.updatedAt,
      environment: { name: cut(env.environmentName), ...(env.environmentType ? { type: env.environmentType } : {}) },
      status: { enabled: env.enabled, ...(rollout ? { rollout: { text: rollout } } : {}) },
    });
  }
  if (details.length === 0) return null;
  const issues = [input.issueKey, ...issueKeysIn(input.description).filter((k) => k !== input.issueKey)].slice(0, MAX_ASSOCIATED_ISSUES);
  const lastUpdated = details.map((d) => d.lastUpdated).reduce((a, b) => (a > b ? a : b));
  return {
    schemaVersion: FEATURE_FLAG_SCHEMA_VERSION,
    id: featureFlagId(input.associationId, input.flagKey),
    key: input.flagKey,
    displayName: cut(input.name || input.flagKey),
    associations: [{ associationType: 'issueIdOrKeys', values: issues }],
    summary: { url: input.consoleUrl, status: { enabled: input.enabled }, lastUpdated },
    details,
  };
}
