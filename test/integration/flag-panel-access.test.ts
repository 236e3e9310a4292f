/**
 * Who sees a flag through GET /api/panel/flag (the Forge issue panel's data). The Forge Custom UI names
 * the issue itself, so a user could ask for any issue of the site: the issue is named by id, the app
 * asks Jira whether that user may browse it before looking anything up, and one who may not gets
 * exactly what a non-flag issue gets. Jira not answering that question is a 502 whether or not the
 * issue is a tracked flag, so no answer tells a user anything about an issue hidden from them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseKinds } from '../support/databases.js';
import { preCreateEvent } from '../support/events.js';
import { flagsV1 } from '../support/fixtures.js';
import { startForgeHarness, type ForgeHarness } from '../support/forge-harness.js';
import { issuesByFlag, waitIdle } from '../support/pipeline-kit.js';

const PANEL_MODULE = { type: 'jira:issueContext', key: 'flag-panel' };
const KEPT_OUT = '557058:kept-out-of-flag';

describe.each(databaseKinds)('the flag panel API shows a flag only to users who may browse its issue (%s)', (kind) => {
  let h: ForgeHarness;
  let issue: { id: string; key: string };

  beforeAll(async () => {
    h = await startForgeHarness({ db: kind });
    h.aws.addHostedVersion(h.app.id, h.forgeProfile.id, JSON.stringify(flagsV1()), { description: 'first flags' });
    const { id } = await h.forgeAssociate();
    const res = await h.sendEvent(id, preCreateEvent({ app: h.app, profile: h.forgeProfile }, flagsV1(), 1));
    expect(res.status).toBe(202);
    await waitIdle(h.service.db);
    const [first] = issuesByFlag(h.siteJira).values();
    issue = { id: first!.id, key: first!.key };
    h.siteJira.addUser(KEPT_OUT, { admin: false, hiddenProjects: ['FLAG'] });
  }, 60_000);
  afterAll(async () => h?.close());

  const panel = (accountId: string, query: string) => h.forgeApi('GET', `/api/panel/flag?${query}`, undefined, accountId, { module: PANEL_MODULE });

  const permissionChecks = () =>
    h.siteJira.requests.filter((r) => r.path === '/rest/api/3/permissions/check').map((r) => r.body as { accountId?: string; projectPermissions?: unknown });
  const askedAbout = (accountId: string, issueId: string) => ({ accountId, projectPermissions: [{ permissions: ['BROWSE_PROJECTS'], issues: [Number(issueId)] }] });

  it('a member of the site who may browse the issue sees the flag, named by its id (with or without its key)', async () => {
    for (const query of [`issueId=${issue.id}`, `issueId=${issue.id}&issueKey=${issue.key}`]) {
      const res = await panel(h.siteJira.memberAccountId, query);
      expect(res.status).toBe(200);
      expect((res.json as { flag: { issueKey: string } | null }).flag?.issueKey).toBe(issue.key);
    }
  });

  it('an issue named by its key alone is a 400: Jira can only be asked about an issue id', async () => {
    h.siteJira.clearRequests();
    const res = await panel(h.siteJira.memberAccountId, `issueKey=${issue.key}`);
    expect(res.status).toBe(400);
    expect(res.json).toEqual({ error: { code: 'invalid_issue', message: expect.stringContaining('issueId'), field: 'issueId' } });
    expect(res.text).not.toContain('Beta');
    expect(permissionChecks()).toEqual([]);
  });

  it('a user kept out of the project gets "not a tracked flag", nothing of the flag', async () => {
    h.siteJira.clearRequests();
    const res = await panel(KEPT_OUT, `issueId=${issue.id}&issueKey=${issue.key}`);
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ flag: null });
    // Jira was asked about that user and that issue.
    expect(permissionChecks()).toEqual([askedAbout(KEPT_OUT, issue.id)]);
  });

  it("an issue the user may see, named with a hidden flag issue's key, shows nothing of that flag", async () => {
    const open = h.siteJira.addProject({ key: 'OPEN', name: 'Open project' });
    const plain = h.siteJira.addIssue(open.key, 'An issue someone made');
    const res = await panel(KEPT_OUT, `issueId=${plain.id}&issueKey=${issue.key}`);
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ flag: null });
  });

  it('every issue is checked with Jira first: a tracked flag and a plain issue get the same answers', async () => {
    const plain = h.siteJira.addIssue('FLAG', 'Not a flag');
    h.siteJira.clearRequests();
    // Hidden from the user: the same "not a tracked flag", after the same question to Jira.
    for (const id of [issue.id, plain.id]) {
      const res = await panel(KEPT_OUT, `issueId=${id}`);
      expect([res.status, res.json]).toEqual([200, { flag: null }]);
    }
    expect(permissionChecks()).toEqual([askedAbout(KEPT_OUT, issue.id), askedAbout(KEPT_OUT, plain.id)]);
    // Jira not answering: the same 502 for both, naming nothing of either issue.
    h.siteJira.faults.add({ match: { method: 'POST', path: '/rest/api/3/permissions/check' }, status: 500, times: 100 });
    try {
      for (const id of [issue.id, plain.id]) {
        const res = await panel(KEPT_OUT, `issueId=${id}`);
        expect(res.status).toBe(502);
        expect(res.json).toEqual({ error: { code: 'jira_unavailable', message: expect.any(String) } });
        expect(res.text).not.toContain(issue.key);
      }
    } finally {
      h.siteJira.faults.clear();
    }
  });
});
