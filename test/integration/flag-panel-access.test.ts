/**
 * Who sees a flag through GET /api/panel/flag (the Forge issue panel's data). The Forge Custom UI names
 * the issue itself, so a user could ask for any issue of the site: the app asks Jira whether that user
 * may browse the issue, and one who may not gets exactly what a non-flag issue gets. Jira not
 * answering that question is a 502 that shows nothing of the flag.
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

  it('a member of the site who may browse the issue sees the flag, by issue id and by key', async () => {
    for (const query of [`issueId=${issue.id}`, `issueKey=${issue.key}`]) {
      const res = await panel(h.siteJira.memberAccountId, query);
      expect(res.status).toBe(200);
      expect((res.json as { flag: { issueKey: string } | null }).flag?.issueKey).toBe(issue.key);
    }
  });

  it('a user kept out of the project gets "not a tracked flag", nothing of the flag', async () => {
    for (const query of [`issueId=${issue.id}`, `issueKey=${issue.key}`]) {
      const res = await panel(KEPT_OUT, query);
      expect(res.status).toBe(200);
      expect(res.json).toEqual({ flag: null });
    }
    // Jira was asked about that user and that issue.
    const asked = h.siteJira.requests.filter((r) => r.path === '/rest/api/3/permissions/check').map((r) => r.body as { accountId?: string; projectPermissions?: unknown });
    expect(asked).toContainEqual({ accountId: KEPT_OUT, projectPermissions: [{ permissions: ['BROWSE_PROJECTS'], issues: [Number(issue.id)] }] });
  });

  it('Jira failing to answer the permission question is a 502 that shows nothing of the flag', async () => {
    h.siteJira.faults.add({ match: { method: 'POST', path: '/rest/api/3/permissions/check' }, status: 500, times: 10 });
    try {
      const res = await panel(h.siteJira.memberAccountId, `issueKey=${issue.key}`);
      expect(res.status).toBe(502);
      expect((res.json as { error: { code: string } }).error.code).toBe('jira_unavailable');
      expect(res.text).not.toContain(issue.key);
    } finally {
      h.siteJira.faults.clear();
    }
  });
});
