/**
 * What a deployment costs in Jira calls at scale: a version that changes the state of 1,000 flags (here:
 * their first deployment to production, which gives every one of them a production state: the same
 * path as a version flipping flags already in the panel, which the smaller Releases-panel tests cover),
 * deployed to production (start, then complete), is shown in the Releases panel with 10 feature-flag
 * submissions (100 flags a call) and in the appconfigFlagState property with 10 bulk property calls
 * (100 issues a call), plus the one deployment comment per event on each changed flag's issue; nothing
 * else is written. The start alone writes no property: no flag has a known state anywhere yet.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseKinds } from '../support/databases.js';
import { startHarness, type Harness } from '../support/harness.js';
import { deploymentEvent, preCreateEvent } from '../support/events.js';
import { issuesByFlag, largeDocument, waitIdle } from '../support/pipeline-kit.js';
import type { RecordedRequest } from '../doubles/jira/index.js';

const FLAGS = 1000;
const PRODUCTION = { Id: 'env-prd', Name: 'production' };
const SUBMIT = '/rest/featureflags/0.1/bulk';
const PROPERTIES = '/rest/api/3/issue/properties/multi';

/** The large document with every flag's enabled state as `enabled(i)`. */
function document(enabled: (i: number) => boolean): Record<string, unknown> {
  const doc = largeDocument(FLAGS, 1) as { values: Record<string, { enabled: boolean }> };
  Object.values(doc.values).forEach((v, i) => (v.enabled = enabled(i)));
  return doc;
}

describe.each(databaseKinds)('a deployment changing 1,000 flags (%s)', (kind) => {
  let h: Harness;
  let id: string;
  const send = async (event: Record<string, unknown>) => {
    const res = await h.sendEvent(id, event);
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    await waitIdle(h.service.db, 120_000);
  };
  const calls = (requests: RecordedRequest[], method: string, path: string | RegExp) =>
    requests.filter((r) => r.method === method && (typeof path === 'string' ? r.path === path : path.test(r.path)));

  beforeAll(async () => {
    h = await startHarness({ db: kind });
    id = (await h.associate()).id;
    await send(preCreateEvent(h, document((i) => i % 2 !== 0), 2));
  }, 120_000);
  afterAll(async () => {
    await h?.close();
  });

  it('costs 10 submissions and 10 bulk property calls, plus one comment per flag per event, and shows every flag right', async () => {
    h.jira.clearRequests();
    await send(deploymentEvent(h, 2, { environment: PRODUCTION, deploymentNumber: 1, type: 'OnDeploymentStart' }));
    const atStart = [...h.jira.requests];
    expect(calls(atStart, 'POST', SUBMIT), 'submissions when the deployment starts').toHaveLength(0);
    expect(calls(atStart, 'POST', PROPERTIES), 'property calls when the deployment starts').toHaveLength(0);
    await send(deploymentEvent(h, 2, { environment: PRODUCTION, deploymentNumber: 1, type: 'OnDeploymentComplete' }));
    const requests = [...h.jira.requests];

    const submissions = calls(requests, 'POST', SUBMIT);
    expect(submissions).toHaveLength(10);
    expect(submissions.map((r) => (r.body as { flags: unknown[] }).flags.length)).toEqual(Array.from({ length: 10 }, () => 100));
    const properties = calls(requests, 'POST', PROPERTIES);
    expect(properties).toHaveLength(10);
    expect(properties.map((r) => (r.body as { issues: unknown[] }).issues.length)).toEqual(Array.from({ length: 10 }, () => 100));

    const comments = calls(requests, 'PUT', /^\/rest\/api\/3\/issue\/[^/]+$/);
    expect(comments, 'a deployment comment per flag for the start and for the completion').toHaveLength(2 * FLAGS);
    const writes = requests.filter((r) => r.method !== 'GET' && !/\/search\/jql$|\/issue\/bulkfetch$/.test(r.path));
    expect(writes, 'no write beyond the submissions, the property calls and the comments').toHaveLength(10 + 10 + 2 * FLAGS);
    expect(requests.every((r) => r.status >= 200 && r.status < 400)).toBe(true);

    // What Jira shows: every flag in production with version 2's value, in the panel and in its property.
    const issues = issuesByFlag(h.jira, h.profile.id);
    expect(issues.size).toBe(FLAGS);
    for (const [flagKey, issue] of issues) {
      const on = (Number(flagKey.replace(/^flag_/, '')) - 1) % 2 !== 0;
      expect(issue.properties.appconfigFlagState, flagKey).toEqual({
        enabledIn: on ? ['production'] : [],
        disabledIn: on ? [] : ['production'],
        deployedVersion: { production: '2' },
      });
    }
    const panelFlags = [...h.jira.featureFlags.flags.values()].filter((f) => f.properties.appconfigAssociation === id);
    expect(panelFlags).toHaveLength(FLAGS);
    for (const { flag } of panelFlags) {
      const f = flag as unknown as { key: string; details: { environment: { name: string }; status: { enabled: boolean } }[] };
      const i = Number(f.key.replace(/^flag_/, '')) - 1;
      expect(f.details.find((d) => d.environment.name === 'production')?.status.enabled, f.key).toBe(i % 2 !== 0);
    }
  }, 180_000);
});
