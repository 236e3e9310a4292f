/**
 * Releases panel and JQL state: after the sync rows, the first deployment of the latest saved version
 * (3) to production. Every one of the 1,000 flags changes state (it enters the Releases panel and its
 * appconfigFlagState gains production), while the deployment comments go only to the flags version 3
 * changed. Each of the two events (OnDeploymentStart, then OnDeploymentComplete once the first is
 * processed, as AppConfig sends them minutes apart) is counted on its own: Releases-panel submissions
 * (POST /rest/featureflags/0.1/bulk, 100 flags a call at most) and bulk property writes
 * (POST /rest/api/3/issue/properties/multi, 100 issues a call at most), so 1,000 changed flags need at
 * least 10 of each per event.
 */
import { deploymentEvent, type DeploymentType } from '../../test/support/events.js';
import { parametersOf } from './events.js';
import { secs, type Figure } from './figures.js';
import { flagKey } from './flag-docs.js';
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
  for (const type of ['OnDeploymentStart', 'OnDeploymentComplete'] as DeploymentType[]) {
    const event = deploymentEvent(stage.target, version, { type, deploymentNumber: 1, environment: PRODUCTION, description: 'bench deployment', parameters: parametersOf(stage.target) });
    const run = await runEvent(stage, event, { expect: (r) => issueEdit(r) !== undefined, count: changedFlags, timeoutMs: 120_000 });
    const submits = run.requests.filter(isFeatureFlagSubmit);
    const properties = run.requests.filter(isPropertyBulk);
    const edits = run.requests.filter((r) => issueEdit(r) !== undefined);
    const other = run.requests.filter((r) => !isFeatureFlagSubmit(r) && !isPropertyBulk(r) && issueEdit(r) === undefined);
    add(
      `deployment of version ${version} to production, ${type}: Releases-panel and JQL-state writes`,
      `${submits.length} feature-flag submissions, ${properties.length} bulk property calls; ${secs(run.wallMs)}`,
      `≤ ${PANEL_CALLS_TARGET} submissions and ≤ ${PANEL_CALLS_TARGET} bulk property calls for ${FLAGS} flags changing state`,
      submits.length <= PANEL_CALLS_TARGET && properties.length <= PANEL_CALLS_TARGET,
    );
    comments.push(`${type}: ${edits.length} on ${new Set(edits.map(issueEdit)).size} issues${other.length ? `; other calls: ${breakdown(other)}` : ''}`);
    if (edits.length !== changedFlags) commentsOk = false;
  }
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
  const expectedKeys = Array.from({ length: FLAGS }, (_, i) => flagKey(i)).length;
  add(
    'after the deployment: flags in the Releases panel / issues whose appconfigFlagState has production',
    `${panelFlags} / ${withState}`,
    `${expectedKeys} / ${expectedKeys}`,
    panelFlags === expectedKeys && withState === expectedKeys,
  );
  return figures;
}
