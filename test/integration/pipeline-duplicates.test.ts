/**
 * Whatever arrives twice, concurrently or out of order changes nothing more: one stored event per
 * InvocationId, one set of Jira writes per saved version, never a second issue for a flag.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseKinds } from '../support/databases.js';
import { startHarness, type Harness } from '../support/harness.js';
import { deploymentEvent, preCreateEvent, signedEventHeaders } from '../support/events.js';
import { flagsV1, flagsV2 } from '../support/fixtures.js';
import { editsByIssue, eventCounts, issuesByFlag, successfulWrites, waitIdle } from '../support/pipeline-kit.js';

describe.each(databaseKinds)('duplicate and concurrent deliveries (%s)', (kind) => {
  let h: Harness;
  let id: string;

  beforeAll(async () => {
    h = await startHarness({ db: kind });
    id = (await h.associate()).id;
  });
  afterAll(async () => {
    await h?.close();
  });

  /** The same bytes POSTed `times` times at once, each signed afresh as a forwarder retry would be. */
  async function deliverConcurrently(event: Record<string, unknown>, times: number): Promise<number[]> {
    const raw = JSON.stringify(event);
    const secret = h.signingSecretOf(id);
    const answers = await Promise.all(
      Array.from({ length: times }, () =>
        fetch(`${h.service.url}/api/associations/${id}/events`, {
          method: 'POST',
          headers: signedEventHeaders(secret, raw),
          body: raw,
        }).then(async (r) => {
          await r.arrayBuffer();
          return r.status;
        }),
      ),
    );
    return answers.sort();
  }

  it('the first document delivered 5 times at once: one stored event, one bulk create, one issue per flag', async () => {
    h.jira.clearRequests();
    const statuses = await deliverConcurrently(preCreateEvent(h, flagsV1(), 1), 5);
    expect(statuses).toEqual([200, 200, 200, 200, 202]);
    expect((await eventCounts(h.service.db)).total).toBe(1);
    await waitIdle(h.service.db);
    expect(h.jira.issues()).toHaveLength(2);
    expect([...issuesByFlag(h.jira).keys()].sort()).toEqual(['beta_banner', 'checkout_v2']);
    expect(successfulWrites(h.jira.requests).map((r) => `${r.method} ${r.path}`)).toEqual(['POST /rest/api/3/issue/bulk']);
  });

  it('the second document delivered 5 times at once: one write per changed flag, one comment each', async () => {
    h.jira.clearRequests();
    const statuses = await deliverConcurrently(preCreateEvent(h, flagsV2(), 2), 5);
    expect(statuses).toEqual([200, 200, 200, 200, 202]);
    await waitIdle(h.service.db);
    expect((await eventCounts(h.service.db)).total).toBe(2);
    const issues = issuesByFlag(h.jira);
    expect(h.jira.issues()).toHaveLength(3);
    const edits = editsByIssue(h.jira.requests);
    expect(edits.get(issues.get('checkout_v2')!.key)).toHaveLength(1);
    expect(edits.get(issues.get('beta_banner')!.key)).toHaveLength(1);
    expect(successfulWrites(h.jira.requests)).toHaveLength(3);
    expect(issues.get('checkout_v2')!.comments).toHaveLength(1);
    expect(issues.get('beta_banner')!.comments).toHaveLength(1);
  });

  it('the same version again under a new InvocationId (and the first again): stored, but no new writes', async () => {
    h.jira.clearRequests();
    expect((await h.sendEvent(id, preCreateEvent(h, flagsV2(), 2))).status).toBe(202);
    expect((await h.sendEvent(id, preCreateEvent(h, flagsV1(), 1))).status).toBe(202);
    await waitIdle(h.service.db);
    expect(successfulWrites(h.jira.requests)).toEqual([]);
    expect(h.jira.issues()).toHaveLength(3);
  });

  it('an older version arriving after a newer one changes nothing', async () => {
    const v4 = flagsV2() as { values: Record<string, Record<string, unknown>> };
    v4.values.checkout_v2!.max_items = 44;
    const v3 = flagsV2() as { values: Record<string, Record<string, unknown>> };
    v3.values.checkout_v2!.max_items = 33;
    h.jira.clearRequests();
    expect((await h.sendEvent(id, preCreateEvent(h, v4, 4))).status).toBe(202);
    expect((await h.sendEvent(id, preCreateEvent(h, v3, 3))).status).toBe(202);
    await waitIdle(h.service.db);
    const checkout = issuesByFlag(h.jira).get('checkout_v2')!;
    expect(successfulWrites(h.jira.requests).map((r) => `${r.method} ${r.path}`)).toEqual([`PUT /rest/api/3/issue/${checkout.key}`]);
    expect(checkout.comments.at(-1)!.text).toContain('max_items: 40 → 44');
    expect(checkout.descriptionText).toContain('44');
    expect(checkout.descriptionText).not.toContain('33');
  });

  it('a deployment event delivered 5 times at once comments once per flag', async () => {
    h.jira.clearRequests();
    const statuses = await deliverConcurrently(deploymentEvent(h, 2, { deploymentNumber: 12 }), 5);
    expect(statuses).toEqual([200, 200, 200, 200, 202]);
    await waitIdle(h.service.db);
    const issues = issuesByFlag(h.jira);
    for (const key of ['checkout_v2', 'beta_banner', 'search_ranking']) {
      expect(issues.get(key)!.comments.filter((c) => c.text.includes('Deployment #12')), key).toHaveLength(1);
    }
    expect(successfulWrites(h.jira.requests)).toHaveLength(3);
  });

  it('several versions delivered at once, each twice: processed in version order, once each', async () => {
    const docs = [5, 6, 7].map((n) => {
      const d = flagsV2() as { values: Record<string, Record<string, unknown>> };
      d.values.checkout_v2!.max_items = n * 10;
      return preCreateEvent(h, d, n);
    });
    h.jira.clearRequests();
    // Stored in order (as AppConfig saves them), redelivered concurrently.
    for (const e of docs) expect((await h.sendEvent(id, e)).status).toBe(202);
    const again = await Promise.all(docs.map((e) => h.sendEvent(id, e)));
    expect(again.map((r) => r.status)).toEqual([200, 200, 200]);
    await waitIdle(h.service.db);
    const checkout = issuesByFlag(h.jira).get('checkout_v2')!;
    const texts = checkout.comments.map((c) => c.text).filter((t) => t.includes('max_items:'));
    expect(texts.slice(-3).map((t) => /max_items: (\d+) → (\d+)/.exec(t)?.slice(1).join('→'))).toEqual(['44→50', '50→60', '60→70']);
    expect(successfulWrites(h.jira.requests)).toHaveLength(3);
  });
});
