/** Comments for deployment events, and the note on an issue recreated after a deletion in Jira. */
import type { Flag } from '../model.js';
import { bulletList, code, doc, em, listItem, paragraph, status, strong, type AdfDoc, type AdfListItem, type AdfStatus } from './adf.js';
import { namedId } from './description.js';
import { FULL_LIMITS, truncate } from './format.js';
import type { DeploymentEventType } from '../../events/event-types.js';

export type { DeploymentEventType };

export interface DeploymentInfo {
  type: DeploymentEventType;
  environmentId?: string;
  environmentName?: string;
  deploymentNumber?: string | number;
  configurationVersion?: string | number;
  description?: string | null;
}

const OUTCOME: Record<DeploymentEventType, { label: string; verb: string; color: AdfStatus['attrs']['color'] }> = {
  OnDeploymentStart: { label: 'DEPLOYING', verb: 'started', color: 'blue' },
  OnDeploymentComplete: { label: 'DEPLOYED', verb: 'completed', color: 'green' },
  OnDeploymentRolledBack: { label: 'ROLLED BACK', verb: 'rolled back', color: 'red' },
};

const present = (v: string | number | undefined | null): string | undefined =>
  v === undefined || v === null || String(v).trim() === '' ? undefined : String(v);

/** One comment per deployment event: environment, deployment number, outcome. */
export function deploymentComment(d: DeploymentInfo): AdfDoc {
  const outcome = OUTCOME[d.type];
  const number = present(d.deploymentNumber);
  const version = present(d.configurationVersion);
  const envId = present(d.environmentId);
  const envName = present(d.environmentName);
  const description = present(d.description);
  const environment = envId !== undefined ? namedId(envId, envName, FULL_LIMITS) : envName !== undefined ? truncate(envName, 300) : em('not known');

  const items: AdfListItem[] = [
    listItem(['Environment: ', environment]),
    listItem(['Deployment number: ', number === undefined ? em('not known') : code(number)]),
    listItem(['Configuration version: ', version === undefined ? em('not known') : code(version)]),
    listItem(['Outcome: ', outcome.verb]),
  ];
  if (description !== undefined) items.push(listItem(['Description: ', em(truncate(description, 1100))]));
  return doc(
    paragraph(
      status(outcome.label, outcome.color),
      ' ',
      strong(`Deployment ${number === undefined ? '' : `#${number} `}${outcome.verb}`),
      envName !== undefined ? ` in ${truncate(envName, 300)}` : envId !== undefined ? [' in ', code(envId)] : '',
      '.',
    ),
    bulletList(items),
  );
}

/**
 * The first comment on an issue made again because the flag's issue was deleted in Jira
 * (the description already holds the current state; this says why the issue is new).
 */
export function recreatedNote(flag: Flag, previousIssueKey?: string): AdfDoc {
  const previous = present(previousIssueKey);
  return doc(
    paragraph(
      strong('Issue recreated'),
      ': the issue that tracked flag ',
      code(flag.key),
      previous === undefined ? '' : [' (', code(previous), ')'],
      ' was deleted in Jira, so this issue now tracks it. Earlier history is not carried over.',
    ),
  );
}
