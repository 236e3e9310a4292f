/**
 * The Releases panel when Jira pushes back: rate limits and outages on the feature-flag and bulk
 * property APIs delay submissions without losing any (the final panel is exact); a flag Jira refuses
 * (failedFeatureFlags) or a whole submission refused for good shows on the association's health and is
 * not retried forever; issue keys Jira does not know are filtered by Jira, the flag kept.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseKinds } from '../support/databases.js';
import { startHarness, type Harness } from '../support/harness.js';
import { deploymentEvent, preCreateEvent } from '../support/events.js';
import { flagsV1, flagsV2 } from '../support/fixtures.js';
import { eventCounts, issuesByFlag, panelValues, waitIdle } from '../support/pipeline-kit.js';
import { waitFor } from '../support/wait.js';

const PRODUCTION = { Id: 'env-prd', Name: 'production' };
const FLAGS = '/rest/featureflags/0.1/bulk';
const PROPS = '/rest/api/3/issue/properties/multi';

describe.each(databaseKinds)('Releases panel under Jira faults (%s)', (kind) => {
  let h: Harness;
  let id: string;

  beforeAll(async () => {
    h = await startHarness({ db: kind });
    id = (await h.associate()).id;
  });
  afterAll(async () => {
    await h?.close();
  });

  const send = async (event: Record<string, unknown>) => {
    const res = await h.sendEvent(id, event);
    expect(res.status).toBe(202);
  };
  const prodValues = () => panelValues(h.jira, 'production');
  const health = async () => ((await h.api('get', '/api/associations')).body as { associations: { id: string; health: { status: string; lastError: { code: string; message: string } | null } }[] }).associations.find((a) => a.id === id)!.health;

  it('429 and 503 on both APIs only delay: the panel and the properties end exactly right, each sent once it gets through', async () => {
    await send(preCreateEvent(h, flagsV1(), 1));
    await waitIdle(h.service.db);
    h.jira.faults.add({ match: { method: 'POST', path: FLAGS }, status: 429, retryAfter: 1, times: 3 });
    h.jira.faults.add({ match: { method: 'POST', path: PROPS }, status: 503, retryAfter: 1, times: 3 });
    await send(deploymentEvent(h, 1, { environment: PRODUCTION, deploymentNumber: 1, type: 'OnDeploymentComplete' }));
    await waitIdle(h.service.db, 60_000);
    expect(prodValues()).toEqual({ checkout_v2: true, beta_banner: false });
    const banner = issuesByFlag(h.jira).get('beta_banner')!;
    expect(h.jira.issue(banner.key)?.properties.appconfigFlagState).toEqual({ enabledIn: [], disabledIn: ['production'], deployedVersion: { production: '1' } });
    expect(h.jira.requests.filter((r) => r.path === FLAGS && r.status === 202)).toHaveLength(1);
    expect(h.jira.featureFlags.staleIgnored).toBe(0);
    expect((await eventCounts(h.service.db)).failed).toBe(0);
  });

  it('a 500 on the submission is retried until it goes through; nothing is lost', async () => {
    h.jira.clearRequests();
    h.jira.faults.add({ match: { method: 'POST', path: FLAGS }, status: 500, times: 6 });
    await send(preCreateEvent(h, flagsV2(), 2));
    await send(deploymentEvent(h, 2, { environment: PRODUCTION, deploymentNumber: 2, type: 'OnDeploymentComplete' }));
    await waitFor('v2 in production', () => prodValues().beta_banner === true && prodValues().search_ranking === false, 60_000);
    await waitIdle(h.service.db, 60_000);
    expect(prodValues()).toEqual({ checkout_v2: true, beta_banner: true, search_ranking: false });
    expect((await eventCounts(h.service.db)).failed).toBe(0);
  });

  it('a flag Jira refuses shows on health with its reason, is not retried forever, and the others go on', async () => {
    h.jira.clearRequests();
    const refusedId = `${id}.beta_banner`;
    h.jira.featureFlags.refuse.set(refusedId, 'Feature flag is too large.');
    await send(deploymentEvent(h, 1, { environment: PRODUCTION, deploymentNumber: 3, type: 'OnDeploymentComplete' }));
    await waitIdle(h.service.db);
    expect(prodValues()).toMatchObject({ checkout_v2: true, search_ranking: false, beta_banner: true /* refused: Jira keeps the old one */ });
    const state = await health();
    expect(state.lastError).toMatchObject({ code: 'jira_refused', message: expect.stringContaining('beta_banner: Feature flag is too large.') });
    // One attempt for the refused flag, not a loop.
    await new Promise((r) => setTimeout(r, 600));
    const tries = h.jira.requests.filter((r) => r.path === FLAGS && (r.body as { flags: { id: string }[] }).flags.some((f) => f.id === refusedId));
    expect(tries).toHaveLength(1);
    h.jira.featureFlags.refuse.clear();
  });

  it('a whole submission refused for good (400) shows on health and is not retried', async () => {
    h.jira.clearRequests();
    h.jira.faults.add({ match: { method: 'POST', path: FLAGS }, status: 400, times: 1, body: { errorMessages: ['Provider is not registered.'], errors: {} } });
    await send(deploymentEvent(h, 2, { environment: PRODUCTION, deploymentNumber: 4, type: 'OnDeploymentComplete' }));
    await waitIdle(h.service.db);
    expect((await health()).lastError).toMatchObject({ code: 'jira_refused', message: expect.stringContaining('Provider is not registered.') });
    expect(h.jira.requests.filter((r) => r.path === FLAGS)).toHaveLength(1);
    expect((await eventCounts(h.service.db)).failed).toBe(0);
  });

  it('issue keys of a description that Jira does not know are filtered out by Jira; the flag stays with its own issue', async () => {
    const doc = flagsV2() as { flags: Record<string, { description?: string }> };
    const story = h.jira.store.createIssue(h.jira.store.findProject('FLAG')!, '10003', 'Checkout story', null, []);
    doc.flags.checkout_v2!.description = `Gates ${story.key} and NOPE-42.`;
    await send(preCreateEvent(h, doc, 3));
    await send(deploymentEvent(h, 3, { environment: PRODUCTION, deploymentNumber: 5, type: 'OnDeploymentComplete' }));
    await waitIdle(h.service.db);
    const stored = h.jira.featureFlags.flags.get(`${id}.checkout_v2`)!;
    expect(stored.flag.associations).toEqual([{ associationType: 'issueIdOrKeys', values: [issuesByFlag(h.jira).get('checkout_v2')!.key, story.key] }]);
    expect(h.logs()).toContain('NOPE-42');
  });

  it('removal while Jira cannot delete the flags: a clear 502, nothing removed; once Jira answers, its flags and the association go', async () => {
    const path = '/rest/featureflags/0.1/bulkByProperties';
    h.jira.faults.add({ match: { method: 'DELETE', path }, status: 503, retryAfter: 1, times: 5 });
    const refused = await h.api('delete', `/api/associations/${id}`);
    expect(refused.status).toBe(502);
    expect(refused.body).toEqual({ error: { code: 'jira_unavailable', message: expect.stringMatching(/Releases panel.*try again/) } });
    expect(h.jira.featureFlags.flags.size).toBeGreaterThan(0);
    expect((await h.api('get', '/api/associations')).body.associations.map((a: { id: string }) => a.id)).toContain(id);

    const removed = await h.api('delete', `/api/associations/${id}`);
    expect(removed.status).toBe(204);
    expect(h.jira.featureFlags.flags.size).toBe(0);
    expect(h.jira.requests.filter((r) => r.method === 'DELETE' && r.path === path).at(-1)?.query).toEqual({ appconfigAssociation: id });
  }, 60_000);

  /** A second association of the site, published to production. */
  async function publishedAssociation(name: string) {
    const profile = h.aws.addProfile(h.app.id, { name, type: 'AWS.AppConfig.FeatureFlags' });
    const associationId = (await h.associate({ configurationProfileId: profile.id })).id;
    const target = { app: h.app, profile };
    expect((await h.sendEvent(associationId, preCreateEvent(target, flagsV1(), 1))).status).toBe(202);
    expect((await h.sendEvent(associationId, deploymentEvent(target, 1, { environment: PRODUCTION, deploymentNumber: 1, type: 'OnDeploymentComplete' }))).status).toBe(202);
    await waitIdle(h.service.db);
    const issues = () => h.jira.issues().filter((i) => (i.properties.appconfigFlag as { configurationProfileId?: string } | undefined)?.configurationProfileId === profile.id);
    const withState = () => issues().filter((i) => i.properties.appconfigFlagState !== undefined);
    const inPanel = () => [...h.jira.featureFlags.flags.values()].filter((f) => f.properties.appconfigAssociation === associationId);
    expect(issues().length).toBeGreaterThan(0);
    expect(withState()).toHaveLength(issues().length);
    expect(inPanel()).toHaveLength(issues().length);
    return { associationId, target, issues, withState, inPanel };
  }
  const listed = async () => ((await h.api('get', '/api/associations')).body.associations as { id: string }[]).map((a) => a.id);
  const STATE_PATH = '/rest/api/3/issue/properties/appconfigFlagState';

  it('removal while Jira cannot take the state off the issues: a clear 502 and the association stays, its next event puts back what was taken; once Jira answers, the state goes with the association', async () => {
    const a = await publishedAssociation('ops-flags');
    const deletesBefore = h.jira.featureFlags.propertyDeletes.length;
    h.jira.faults.add({ match: { method: 'DELETE', path: STATE_PATH }, status: 503, retryAfter: 1, times: 5 });
    const refused = await h.api('delete', `/api/associations/${a.associationId}`);
    expect(refused.status).toBe(502);
    expect(refused.body).toEqual({ error: { code: 'jira_unavailable', message: expect.stringMatching(/state from the issues.*try again/) } });
    expect(await listed()).toContain(a.associationId);
    // The panel's flags went before the state delete failed; the association's next event puts them back.
    expect(a.inPanel()).toEqual([]);
    expect((await h.sendEvent(a.associationId, deploymentEvent(a.target, 1, { environment: { Id: 'env-stg', Name: 'staging' }, deploymentNumber: 1, type: 'OnDeploymentComplete' }))).status).toBe(202);
    await waitIdle(h.service.db);
    expect(a.inPanel()).toHaveLength(a.issues().length);
    expect(a.withState()).toHaveLength(a.issues().length);

    // A delete Jira takes and then fails in its task (all or nothing): a 502 as well.
    h.jira.featureFlags.failPropertyTasks = 1;
    const failed = await h.api('delete', `/api/associations/${a.associationId}`);
    expect(failed.status).toBe(502);
    expect(await listed()).toContain(a.associationId);
    expect(a.withState()).toHaveLength(a.issues().length);

    const removed = await h.api('delete', `/api/associations/${a.associationId}`);
    expect(removed.status).toBe(204);
    expect(await listed()).not.toContain(a.associationId);
    expect(a.issues().length).toBeGreaterThan(0);
    expect(a.withState()).toEqual([]);
    expect(a.inPanel()).toEqual([]);
    // Each delete named exactly this association's issues (never none, which would take every issue's).
    const deletes = h.jira.featureFlags.propertyDeletes.slice(deletesBefore);
    expect(deletes.length).toBeGreaterThan(0);
    expect(deletes.map((d) => d.issues)).toEqual(deletes.map(() => a.issues().length));
  }, 60_000);

  it('removal whose task Jira does not report on (404 on the task) goes on: the delete was accepted', async () => {
    const a = await publishedAssociation('unreported-flags');
    h.jira.faults.add({ match: { method: 'GET', path: /^\/rest\/api\/3\/task\// }, status: 404, times: 2 });
    expect((await h.api('delete', `/api/associations/${a.associationId}`)).status).toBe(204);
    expect(await listed()).not.toContain(a.associationId);
    expect(a.withState()).toEqual([]);
    expect(h.jira.requests.filter((r) => r.method === 'GET' && r.path.startsWith('/rest/api/3/task/') && r.status === 404).length).toBeGreaterThan(0);
  });

  it('removal that Jira refuses for good to take the state off (403) still removes the association, and the operator is told', async () => {
    const a = await publishedAssociation('refused-flags');
    h.jira.faults.add({ match: { method: 'DELETE', path: STATE_PATH }, status: 403, body: { errorMessages: ['You do not have permission to edit these issues.'], errors: {} }, times: 2 });
    const removed = await h.api('delete', `/api/associations/${a.associationId}`);
    expect(removed.status).toBe(204);
    expect(await listed()).not.toContain(a.associationId);
    expect(a.inPanel()).toEqual([]);
    expect(h.logs()).toMatch(/Jira refused to remove appconfigFlagState from the association's issues; it stays on them/);
  }, 60_000);
});

describe.each(databaseKinds)('removing an association while its worker is submitting to the Releases panel (%s)', (kind) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ db: kind });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('a submission that lands after the removal deleted the flags is deleted again: none of its flags stays in the panel', async () => {
    const { id } = await h.associate();
    expect((await h.sendEvent(id, preCreateEvent(h, flagsV1(), 1))).status).toBe(202);
    expect((await h.sendEvent(id, deploymentEvent(h, 1, { environment: PRODUCTION, deploymentNumber: 1 }))).status).toBe(202);
    await waitIdle(h.service.db);
    const ofAssociation = () => [...h.jira.featureFlags.flags.values()].filter((f) => f.properties.appconfigAssociation === id);
    expect(ofAssociation().length).toBeGreaterThan(0);

    // The next submission takes Jira 1.5 s to carry out: the admin removes the association meanwhile,
    // so the removal's delete is done before the submission is.
    h.jira.faults.add({ match: { method: 'POST', path: FLAGS }, delayMs: 1500, times: 1 });
    const arrivedBefore = h.jira.arrived.length;
    expect((await h.sendEvent(id, deploymentEvent(h, 1, { environment: { Id: 'env-stg', Name: 'staging' }, deploymentNumber: 2 }))).status).toBe(202);
    const submitted = () => h.jira.arrived.slice(arrivedBefore).find((r) => r.method === 'POST' && r.path === FLAGS);
    await waitFor('the worker to send its submission', async () => submitted() ?? null, 5_000, 10);
    const removed = await h.api('delete', `/api/associations/${id}`);
    expect(removed.status).toBe(204);
    expect(ofAssociation()).toEqual([]);
    await waitFor('Jira to carry out the late submission', async () => (submitted()!.status > 0) || null, 5_000, 10);
    await waitFor('the late submission to be deleted again', async () => ofAssociation().length === 0 || null, 5_000, 50);
    expect(h.jira.requests.filter((r) => r.status >= 500)).toEqual([]);
  });

  it('a state write that lands after the removal took the state off the issues is taken off again: JQL finds none of them', async () => {
    const other = h.aws.addProfile(h.app.id, { name: 'late-state-flags', type: 'AWS.AppConfig.FeatureFlags' });
    const target = { app: h.app, profile: other };
    const { id } = await h.associate({ configurationProfileId: other.id });
    expect((await h.sendEvent(id, preCreateEvent(target, flagsV1(), 1))).status).toBe(202);
    expect((await h.sendEvent(id, deploymentEvent(target, 1, { environment: PRODUCTION, deploymentNumber: 1 }))).status).toBe(202);
    await waitIdle(h.service.db);
    const issues = () => h.jira.issues().filter((i) => (i.properties.appconfigFlag as { configurationProfileId?: string } | undefined)?.configurationProfileId === other.id);
    const withState = () => issues().filter((i) => i.properties.appconfigFlagState !== undefined);
    expect(withState().length).toBeGreaterThan(0);

    // The next state write takes Jira 1.5 s to carry out: the removal's delete is done before it is.
    h.jira.faults.add({ match: { method: 'POST', path: PROPS }, delayMs: 1500, times: 1 });
    const arrivedBefore = h.jira.arrived.length;
    expect((await h.sendEvent(id, deploymentEvent(target, 1, { environment: { Id: 'env-stg', Name: 'staging' }, deploymentNumber: 2 }))).status).toBe(202);
    const written = () => h.jira.arrived.slice(arrivedBefore).find((r) => r.method === 'POST' && r.path === PROPS);
    await waitFor('the worker to send its state write', async () => written() ?? null, 5_000, 10);
    expect((await h.api('delete', `/api/associations/${id}`)).status).toBe(204);
    expect(withState()).toEqual([]);
    await waitFor('Jira to carry out the late write', async () => (written()!.status > 0) || null, 5_000, 10);
    await waitFor('the late state to be taken off again', async () => withState().length === 0 || null, 5_000, 50);
    expect(issues().length).toBeGreaterThan(0);
    expect(h.jira.requests.filter((r) => r.status >= 500)).toEqual([]);
  });
});

describe.each(databaseKinds)('when a deployment happened (%s)', (kind) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ db: kind });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('is when its event arrived, not when the worker got to it behind a slow event', async () => {
    const { id } = await h.associate();
    expect((await h.sendEvent(id, preCreateEvent(h, flagsV1(), 1))).status).toBe(202);
    await waitIdle(h.service.db);
    // Version 2's edits wait out a 2 s Retry-After; the deployment that arrives meanwhile waits behind it.
    h.jira.faults.add({ match: { method: 'PUT', path: /^\/rest\/api\/3\/issue\// }, status: 503, retryAfter: 2, times: 1 });
    expect((await h.sendEvent(id, preCreateEvent(h, flagsV2(), 2))).status).toBe(202);
    const arrived = Date.now();
    expect((await h.sendEvent(id, deploymentEvent(h, 2, { environment: PRODUCTION, deploymentNumber: 1 }))).status).toBe(202);
    await waitIdle(h.service.db);
    const submitted = h.jira.requests.find((r) => r.method === 'POST' && r.path === FLAGS)!;
    expect(submitted.time - arrived).toBeGreaterThan(1500); // the worker got to it late
    const details = [...h.jira.featureFlags.flags.values()].flatMap((f) => (f.flag as unknown as { details: { environment: { name: string }; lastUpdated: string }[] }).details);
    expect(details.length).toBeGreaterThan(0);
    for (const d of details) {
      expect(d.environment.name).toBe('production');
      expect(Math.abs(Date.parse(d.lastUpdated) - arrived)).toBeLessThan(1000);
    }
  });
});
