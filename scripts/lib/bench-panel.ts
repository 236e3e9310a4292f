/**
 * Releases panel and JQL state: after the sync rows, the first deployment of the latest saved version
 * (3) to production. Every one of the 1,000 flags changes state (it enters the Releases panel and its
 * appconfigFlagState gains production), while the deployment comments go only to the flags version 3
 * changed. The two events (OnDeploymentStart, then OnDeploymentComplete once the first is processed,
 * as AppConfig sends them minutes apart) together must cost at most 10 Releases-panel submissions
 * (POST /rest/featureflags/0.1/bulk, 100 flags a call) and 10 bulk property writes
 * (POST /rest/api/3/issue/properties/multi, 100 issues a call): the 1,000 flags' new state once. The
 * count of each event is printed beside the total.
 */
import { deploymentEvent, type DeploymentType } from '../../test/support/events.js';
import { parametersOf } from './events.js';
import { secs, type Figure } from './figures.js';
import { breakdown, issueEdit, isFeatureFlagSubmit, isPropertyBulk, runEvent } from './bench-run.js';
import { FLAGS } from './bench-sync.js';
import { BENCH_PROJECT, type Stage } from './bench-setup.js';

const PANEL_CALLS_TARGET = 10;
const STATE_PROPERTY = 'appconfigFlagState';
const PRODUCTION = { Id: 'prod001', Name: 'production' };

export async function panelFigures(stage: Stage, label: string, version: number, changedFlags: number): Promise<Figure[]> {
  const figures: Figure[] = [];
  const add = (name: string, value: string, target: string, pass: boolean | null) => figures.push({ stage: label, name, value, target, pass });
  const comments: string[] = [];
  let commentsOk = true;
  const per: string[] = [];
  let submitTotal = 0;
  let propertyTotal = 0;
  for (const type of ['OnDeploymentStart', 'OnDeploymentComplete'] as DeploymentType[]) {
    const event = deploymentEvent(stage.target, version, { type, deploymentNumber: 1, environment: PRODUCTION, description: 'bench deployment', parameters: parametersOf(stage.target) });
    const run = await runEvent(stage, event, { expect: (r) => issueEdit(r) !== undefined, count: changedFlags, timeoutMs: 120_000 });
    const submits = run.requests.filter(isFeatureFlagSubmit).length;
    const properties = run.requests.filter(isPropertyBulk).length;
    const edits = run.requests.filter((r) => issueEdit(r) !== undefined);
    const other = run.requests.filter((r) => !isFeatureFlagSubmit(r) && !isPropertyBulk(r) && issueEdit(r) === undefined);
    submitTotal += submits;
    propertyTotal += properties;
    per.push(`${type}: ${submits} + ${properties}, processed in ${secs(run.wallMs)}`);
    comments.push(`${type}: ${edits.length} on ${new Set(edits.map(issueEdit)).size} issues${other.length ? `; other calls: ${breakdown(other)}` : ''}`);
    if (edits.length !== changedFlags) commentsOk = false;
  }
  add(
    `deployment of version ${version} to production (start + complete): Releases-panel and JQL-state writes`,
    `${submitTotal} feature-flag submissions, ${propertyTotal} bulk property calls (${per.join('; ')})`,
    `≤ ${PANEL_CALLS_TARGET} submissions and ≤ ${PANEL_CALLS_TARGET} bulk property calls for the whole deployment, ${FLAGS} flags changing state`,
    submitTotal <= PANEL_CALLS_TARGET && propertyTotal <= PANEL_CALLS_TARGET,
  );
  add(
    `deployment of version ${version} to production: deployment comments`,
    comments.join('; '),
    `one per flag version ${version} changed (${changedFlags}) per event`,
    commentsOk,
  );
  // What a user checks afterwards: every flag in the panel, every issue with its production state.
  const panelFlags = stage.jira.featureFlags.flags.size;
  const withState = stage.jira.issues().filter((i) => {
    if (i.projectKey !== BENCH_PROJECT) return false;
    const s = i.properties[STATE_PROPERTY] as { enabledIn?: string[]; disabledIn?: string[] } | undefined;
    return !!s && [...(s.enabledIn ?? []), ...(s.disabledIn ?? [])].includes(PRODUCTION.Name);
  }).length;
  add(
    'after the deployment: flags in the Releases panel / issues whose appconfigFlagState has production',
    `${panelFlags} / ${withState}`,
    `${FLAGS} / ${FLAGS}`,
    panelFlags === FLAGS && withState === FLAGS,
  );
  return figures;
}
