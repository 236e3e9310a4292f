/**
 * What one flag's issue looks like in Jira: the create payload, the edit payload, and two entity
 * properties. `appconfigFlag` identifies the flag (account, region, application, profile and flag key,
 * nothing else: users search on it in JQL); `appconfigFlagSync` holds the id of the app's last write, set by the same Jira call as the
 * write itself, so after a crash the worker can tell whether that write reached Jira.
 */
import type { AssociationRow } from '../db/models.js';
import type { CreateIssueInput, EditIssueInput } from '../jira/index.js';
import { issueDescription, issueSummary, type AdfDoc, type Flag, type FlagContext } from '../flags/index.js';

export const FLAG_PROPERTY = 'appconfigFlag';
export const SYNC_PROPERTY = 'appconfigFlagSync';

export interface FlagProperty {
  accountId: string;
  region: string;
  applicationId: string;
  configurationProfileId: string;
  flagKey: string;
}

export interface SyncProperty {
  /** Id of the last write the app made to this issue (see pending_write / last_write in flag_states). */
  lastWrite: string;
}

export function flagProperty(a: AssociationRow, flagKey: string): FlagProperty {
  return {
    accountId: a.accountId,
    region: a.region,
    applicationId: a.applicationId,
    configurationProfileId: a.configurationProfileId,
    flagKey,
  };
}

const syncProperty = (writeId: string) => ({ key: SYNC_PROPERTY, value: { lastWrite: writeId } satisfies SyncProperty });

export function flagContext(a: AssociationRow): FlagContext {
  return {
    accountId: a.accountId,
    region: a.region,
    applicationId: a.applicationId,
    applicationName: a.applicationName,
    configurationProfileId: a.configurationProfileId,
    configurationProfileName: a.configurationProfileName,
  };
}

export function createPayload(a: AssociationRow, flag: Flag, writeId: string): CreateIssueInput {
  return {
    project: { key: a.projectKey },
    issueType: { name: a.issueType },
    summary: issueSummary(flag),
    description: issueDescription(flag, flagContext(a)),
    properties: [{ key: FLAG_PROPERTY, value: flagProperty(a, flag.key) }, syncProperty(writeId)],
  };
}

/** One write: refreshed description (and summary on a rename), the comment, and the property. */
export function editPayload(
  a: AssociationRow,
  writeId: string,
  opts: { flag?: Flag; renamed?: boolean; comment?: AdfDoc },
): EditIssueInput {
  const fields: EditIssueInput['fields'] = {};
  if (opts.flag) fields.description = issueDescription(opts.flag, flagContext(a));
  if (opts.flag && opts.renamed) fields.summary = issueSummary(opts.flag);
  return {
    ...(Object.keys(fields).length ? { fields } : {}),
    ...(opts.comment ? { comment: opts.comment } : {}),
    properties: [syncProperty(writeId)],
  };
}

/** JQL for every issue this association's flags may have in `project`, to find creates whose answer was lost. */
export function associationJql(a: AssociationRow, project: string = a.projectKey): string {
  const q = (v: string) => `"${v.replace(/["\\]/g, '\\$&')}"`;
  return [
    `project = ${q(project)}`,
    `issue.property[${FLAG_PROPERTY}].configurationProfileId = ${q(a.configurationProfileId)}`,
    `issue.property[${FLAG_PROPERTY}].applicationId = ${q(a.applicationId)}`,
    `issue.property[${FLAG_PROPERTY}].accountId = ${q(a.accountId)}`,
  ].join(' AND ');
}
