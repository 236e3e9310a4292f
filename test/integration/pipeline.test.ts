/**
 * End to end through the real app (HTTP intake, database, worker) into the Jira double: the fixtures'
 * first document gives one complete issue per flag; the second gives exactly one write per changed flag
 * with a comment listing every change; a deployment comments on the flags its version changed; a deleted
 * flag gets no write and gets its old issue back; an issue deleted in Jira is recreated.
 */
import { QueryTypes } from 'sequelize';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseKinds } from '../support/databases.js';
import { ACCOUNT_ID, REGION, startHarness, type Harness } from '../support/harness.js';
import { deploymentEvent, preCreateEvent } from '../support/events.js';
import { flagsV1, flagsV2 } from '../support/fixtures.js';
import { editsByIssue, flagPropertyOf, issuesByFlag, successfulWrites, waitIdle } from '../support/pipeline-kit.js';
import { adfProblem } from '../doubles/jira/adf.js';
import { JiraClient } from '../../src/jira/index.js';

describe.each(databaseKinds)('event pipeline end to end (%s)', (kind) => {
  let h: Harness;
  let associationId: string;

  beforeAll(async () => {
    h = await startHarness({ db: kind });
    associationId = (await h.associate()).id;
  });
  afterAll(async () => {
    await h?.close();
  });

  const send = async (event: Record<string, unknown>, expected = 202) => {
    const res = await h.sendEvent(associationId, event);
    expect(res.status, JSON.stringify(res.body)).toBe(expected);
    await waitIdle(h.service.db);
    return res;
  };
  /** Flags the app holds as deleted from the document (their issues kept for a return). */
  const deletedFlags = async () =>
    (
      await h.service.db.sequelize.query<{ flag_key: string }>('SELECT flag_key FROM flag_states WHERE deleted = :yes ORDER BY flag_key', {
        replacements: { yes: true },
        type: QueryTypes.SELECT,
      })
    ).map((r) => r.flag_key);
  const postsAndPuts = () => h.jira.requests.filter((r) => r.method === 'PUT' || (r.method === 'POST' && !r.path.endsWith('/search/jql')));

  it('a first document gives exactly one issue per flag with every required field', async () => {
    h.jira.clearRequests();
    await send(preCreateEvent(h, flagsV1(), 1, { description: 'first flags' }));

    const issues = issuesByFlag(h.jira);
    expect([...issues.keys()].sort()).toEqual(['beta_banner', 'checkout_v2']);
    expect(h.jira.issues()).toHaveLength(2);
    // One bulk create carrying both issues and their properties; nothing else asked or written (the
    // project's newest issue number, below which no new issue can be, was noted with the association).
    expect(h.jira.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['POST /rest/api/3/issue/bulk']);

    const checkout = issues.get('checkout_v2')!;
    expect(checkout.projectKey).toBe('FLAG');
    expect(checkout.issueType).toBe('Task');
    expect(checkout.summary).toBe('Checkout v2');
    expect(adfProblem(checkout.description)).toBeUndefined();
    const d = checkout.descriptionText;
    for (const text of [
      'checkout_v2',
      'Checkout v2',
      'New checkout flow',
      h.app.id,
      h.app.name,
      h.profile.id,
      h.profile.name,
      ACCOUNT_ID,
      REGION,
      'ENABLED',
      'max_items',
      '25',
      'number, required, minimum 1, maximum 100',
      'theme',
      '"dark"',
      'string, one of ["light", "dark"]',
      'Colour scheme',
      'regions',
      '["us-east-1","eu-west-1"]',
      'array of string',
    ]) {
      expect(d, `description of checkout_v2 should show ${text}`).toContain(text);
    }
    expect(d).not.toContain('Deprecation');
    // Exactly the five identifying fields: the app's write marker lives in a property of its own.
    expect(flagPropertyOf(checkout)).toEqual({
      accountId: ACCOUNT_ID,
      region: REGION,
      applicationId: h.app.id,
      configurationProfileId: h.profile.id,
      flagKey: 'checkout_v2',
    });
    expect(checkout.comments).toEqual([]);

    const banner = issues.get('beta_banner')!;
    expect(banner.summary).toBe('Beta banner');
    for (const text of ['beta_banner', 'DISABLED', 'Deprecation', 'planned for 2027-01-31', 'message', '"Try the beta!"', 'Banner text']) {
      expect(banner.descriptionText, `description of beta_banner should show ${text}`).toContain(text);
    }
    expect(flagPropertyOf(banner)?.flagKey).toBe('beta_banner');
  });

  it('the property is searchable in JQL, as the app declares it', async () => {
    // As Jira would be asked by anyone with the app's credentials (the app's own client, on the wire).
    const jira = new JiraClient(h.jira.tenant());
    const hits = await jira.searchJql('project = FLAG AND issue.property[appconfigFlag].flagKey = "beta_banner"', ['summary']);
    expect(hits.map((i) => i.key)).toEqual([issuesByFlag(h.jira).get('beta_banner')!.key]);
  });

  it('a second document gives exactly one write per changed flag, with one comment listing every change', async () => {
    const before = issuesByFlag(h.jira);
    h.jira.clearRequests();
    await send(preCreateEvent(h, flagsV2(), 2, { description: 'raise checkout limit' }));

    const after = issuesByFlag(h.jira);
    expect([...after.keys()].sort()).toEqual(['beta_banner', 'checkout_v2', 'search_ranking']);
    expect(after.get('checkout_v2')!.key).toBe(before.get('checkout_v2')!.key);
    expect(after.get('beta_banner')!.key).toBe(before.get('beta_banner')!.key);

    const edits = editsByIssue(h.jira.requests);
    expect(edits.get(before.get('checkout_v2')!.key)).toHaveLength(1);
    expect(edits.get(before.get('beta_banner')!.key)).toHaveLength(1);
    // Exactly: one bulk create (search_ranking) and one edit for each of the two changed flags.
    expect(postsAndPuts().map((r) => `${r.method} ${r.path}`).sort()).toEqual(
      [
        'POST /rest/api/3/issue/bulk',
        `PUT /rest/api/3/issue/${before.get('beta_banner')!.key}`,
        `PUT /rest/api/3/issue/${before.get('checkout_v2')!.key}`,
      ].sort(),
    );
    const bulk = postsAndPuts().find((r) => r.path.endsWith('/bulk'))!;
    expect((bulk.body as { issueUpdates: unknown[] }).issueUpdates).toHaveLength(1);

    // The one write carries the description, the comment and the property together.
    const checkoutEdit = edits.get(before.get('checkout_v2')!.key)![0]!.body as Record<string, unknown>;
    expect(Object.keys(checkoutEdit).sort()).toEqual(['fields', 'properties', 'update']);

    const checkout = after.get('checkout_v2')!;
    expect(checkout.comments).toHaveLength(1);
    const c = checkout.comments[0]!.text;
    expect(c).toContain('max_items: 25 → 40');
    expect(c).toMatch(/Attribute regions deleted \(last value: \["us-east-1","eu-west-1"\]\)/);
    expect(c).toContain('configuration version 2');
    expect(c).toContain('raise checkout limit');
    expect(c).not.toContain('theme');
    expect(c).not.toMatch(/turned (on|off)/);
    expect(adfProblem(checkout.comments[0]!.body)).toBeUndefined();
    // The description is refreshed: the new value, no trace of the deleted attribute.
    expect(checkout.descriptionText).toContain('40');
    expect(checkout.descriptionText).not.toContain('regions');

    const banner = after.get('beta_banner')!;
    expect(banner.comments).toHaveLength(1);
    const b = banner.comments[0]!.text;
    expect(b).toContain('Flag turned on (enabled: false → true)');
    expect(b).toContain('Deprecation removed (was planned for 2027-01-31)');
    expect(b).not.toContain('message');
    expect(banner.descriptionText).toContain('ENABLED');
    expect(banner.descriptionText).not.toContain('Deprecation');

    const ranking = after.get('search_ranking')!;
    expect(ranking.summary).toBe('Search ranking model');
    expect(ranking.comments).toEqual([]);
    expect(ranking.descriptionText).toContain('string, one of ["bm25", "neural"]');
    expect(flagPropertyOf(ranking)?.flagKey).toBe('search_ranking');
  });

  it('the same document again (a new version with no change) writes nothing', async () => {
    h.jira.clearRequests();
    await send(preCreateEvent(h, flagsV2(), 3));
    expect(successfulWrites(h.jira.requests)).toEqual([]);
  });

  it('a deployment of version 2 comments once on each flag that version changed: environment, number, outcome', async () => {
    h.jira.clearRequests();
    await send(deploymentEvent(h, 2, { deploymentNumber: 7, environment: { Id: 'env5678', Name: 'production' } }));
    const issues = issuesByFlag(h.jira);
    const edits = editsByIssue(h.jira.requests);
    for (const key of ['checkout_v2', 'beta_banner', 'search_ranking']) {
      const issue = issues.get(key)!;
      expect(edits.get(issue.key), key).toHaveLength(1);
      const last = issue.comments.at(-1)!.text;
      expect(last).toContain('production');
      expect(last).toContain('Deployment #7 completed');
      expect(last).toMatch(/Deployment number: 7/);
      expect(last).toMatch(/Outcome: completed/);
      expect(last).toMatch(/Configuration version: 2/);
    }
    expect(issues.get('checkout_v2')!.comments).toHaveLength(2);
    expect(issues.get('search_ranking')!.comments).toHaveLength(1);
    expect(successfulWrites(h.jira.requests)).toHaveLength(3);

    // A deployment of version 3 (which changed nothing) and of an unknown version comment on nothing.
    h.jira.clearRequests();
    await send(deploymentEvent(h, 3, { deploymentNumber: 8 }));
    await send(deploymentEvent(h, 99, { deploymentNumber: 9, type: 'OnDeploymentRolledBack' }));
    expect(successfulWrites(h.jira.requests)).toEqual([]);
  });

  it('a rolled-back deployment says so', async () => {
    h.jira.clearRequests();
    await send(deploymentEvent(h, 2, { deploymentNumber: 10, type: 'OnDeploymentRolledBack', environment: { Id: 'env9', Name: 'staging' } }));
    const banner = issuesByFlag(h.jira).get('beta_banner')!;
    const last = banner.comments.at(-1)!.text;
    expect(last).toContain('ROLLED BACK');
    expect(last).toContain('staging');
    expect(last).toMatch(/Outcome: rolled back/);
    expect(successfulWrites(h.jira.requests)).toHaveLength(3);
  });

  it('a deleted parent flag gets no write; when it comes back its old issue is reused', async () => {
    const bannerKey = issuesByFlag(h.jira).get('beta_banner')!.key;
    const commentsBefore = issuesByFlag(h.jira).get('beta_banner')!.comments.length;
    const withoutBanner = flagsV2() as { flags: Record<string, unknown>; values: Record<string, unknown> };
    delete withoutBanner.flags.beta_banner;
    delete withoutBanner.values.beta_banner;
    h.jira.clearRequests();
    await send(preCreateEvent(h, withoutBanner, 4));
    expect(successfulWrites(h.jira.requests)).toEqual([]);
    expect(h.jira.issue(bannerKey)?.comments).toHaveLength(commentsBefore);
    expect(await deletedFlags()).toEqual(['beta_banner']);

    // Back, with a changed message: ONE write to the same issue, no new issue.
    const back = flagsV2() as { values: Record<string, Record<string, unknown>> };
    back.values.beta_banner!.message = 'Welcome back';
    h.jira.clearRequests();
    await send(preCreateEvent(h, back, 5));
    const issues = issuesByFlag(h.jira);
    expect(issues.get('beta_banner')!.key).toBe(bannerKey);
    expect(h.jira.issues()).toHaveLength(3);
    expect(successfulWrites(h.jira.requests).map((r) => `${r.method} ${r.path}`)).toEqual([`PUT /rest/api/3/issue/${bannerKey}`]);
    const comment = issues.get('beta_banner')!.comments.at(-1)!.text;
    expect(comment).toContain('message: "Try the beta!" → "Welcome back"');
    expect(await deletedFlags()).toEqual([]); // tracked as live again
  });

  it('an issue deleted in Jira is recreated on the next change, once', async () => {
    const oldKey = issuesByFlag(h.jira).get('checkout_v2')!.key;
    expect(h.jira.deleteIssue(oldKey)).toBe(true);
    const next = flagsV2() as { values: Record<string, Record<string, unknown>> };
    next.values.beta_banner!.message = 'Welcome back';
    next.values.checkout_v2!.max_items = 60;
    h.jira.clearRequests();
    await send(preCreateEvent(h, next, 6));

    const issues = issuesByFlag(h.jira);
    const recreated = issues.get('checkout_v2')!;
    expect(recreated.key).not.toBe(oldKey);
    expect(h.jira.issues()).toHaveLength(3);
    expect(recreated.summary).toBe('Checkout v2');
    expect(recreated.descriptionText).toContain('60');
    expect(flagPropertyOf(recreated)?.flagKey).toBe('checkout_v2');
    expect(successfulWrites(h.jira.requests).filter((r) => r.path.endsWith('/bulk'))).toHaveLength(1);
    // Its one comment says which issue it replaces; the deleted issue's history is not carried over.
    expect(recreated.comments.map((c) => c.text)).toEqual([
      `Issue recreated: the issue that tracked flag checkout_v2 (${oldKey}) was deleted in Jira, so this issue now tracks it. Earlier history is not carried over.`,
    ]);

    // The recreated issue is the flag's issue from now on: the next change edits it.
    next.values.checkout_v2!.max_items = 61;
    h.jira.clearRequests();
    await send(preCreateEvent(h, next, 7));
    expect(successfulWrites(h.jira.requests).map((r) => `${r.method} ${r.path}`)).toEqual([`PUT /rest/api/3/issue/${recreated.key}`]);
    expect(h.jira.issue(recreated.key)!.comments.at(-1)!.text).toContain('max_items: 60 → 61');
  });

  it('a deployment recreates a deleted issue too; a note whose answer was lost is found again on the retry, not written twice', async () => {
    const oldKey = issuesByFlag(h.jira).get('checkout_v2')!.key;
    expect(h.jira.deleteIssue(oldKey)).toBe(true);
    // The first issue write not to the deleted issue is the note: Jira adds it, its answer is lost.
    h.jira.faults.add({ match: { method: 'PUT', path: new RegExp(`^/rest/api/3/issue/(?!${oldKey}$)[A-Z]+-\\d+$`) }, loseAnswer: true, times: 1 });
    h.jira.clearRequests();
    await send(deploymentEvent(h, 7, { deploymentNumber: 9 })); // version 7 changed checkout_v2

    const recreated = issuesByFlag(h.jira).get('checkout_v2')!;
    expect(recreated.key).not.toBe(oldKey);
    expect(h.jira.requests.filter((r) => r.fault === 'lost').map((r) => `${r.method} ${r.path}`)).toEqual([`PUT /rest/api/3/issue/${recreated.key}`]);
    expect(recreated.comments.map((c) => c.text)).toEqual([expect.stringContaining(`(${oldKey}) was deleted in Jira`)]);
    expect(successfulWrites(h.jira.requests).filter((r) => r.path.endsWith('/bulk'))).toHaveLength(1);
    const retried = await h.service.models.StoredEvent.findOne({ where: { associationId }, order: [['id', 'DESC']] });
    expect(retried).toMatchObject({ status: 'done', attempts: 1 }); // the lost answer made the event run again
  });

  it('the association is healthy after all of it', async () => {
    const res = await h.api('get', '/api/associations');
    expect(res.status).toBe(200);
    const health = (res.body as { associations: { id: string; health: Record<string, unknown> }[] }).associations.find((a) => a.id === associationId)!.health;
    expect(health).toMatchObject({ status: 'ok', backlog: 0, failedEvents: 0 });
  });
});
