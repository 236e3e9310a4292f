/**
 * The events door parses and checks a saved version before it stores it; the worker of the same process
 * takes that checked document up instead of parsing the stored event again. Asserted through the real
 * app: the door leaves the document (while the worker is stopped), the worker takes it (nothing is left
 * behind) and the issues are those of the document; and when the document is no longer kept (pushed
 * out by newer ones), the worker parses the stored event and writes the same issues.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { databaseKinds } from '../support/databases.js';
import { startHarness, type Harness } from '../support/harness.js';
import { preCreateEvent } from '../support/events.js';
import { flagsV1 } from '../support/fixtures.js';
import { issuesByFlag, waitIdle } from '../support/pipeline-kit.js';

describe.each(databaseKinds)('checked documents handed from the door to the worker (%s)', (kind) => {
  let h: Harness;
  let associationId: string;

  beforeEach(async () => {
    h = await startHarness({ db: kind });
    associationId = (await h.associate()).id;
    await waitIdle(h.service.db);
    await h.service.worker.stop();
  });
  afterEach(async () => {
    await h?.close();
  });

  const sendWhileStopped = async () => {
    const event = preCreateEvent(h, flagsV1(), 1, { description: 'first flags' }) as Record<string, unknown> & { InvocationId: string };
    const res = await h.sendEvent(associationId, event);
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    return { eventId: Number(res.body.eventId), invocationId: event.InvocationId };
  };
  const flagIssues = () => {
    const issues = issuesByFlag(h.jira);
    return [...issues.keys()].sort().map((key) => `${key}: ${issues.get(key)!.summary}`);
  };

  it('the worker uses the document the door checked, not a parse of its own, and nothing is left behind', async () => {
    const kept = h.service.checkedDocuments!;
    const { eventId, invocationId } = await sendWhileStopped();
    expect(kept.size).toBeGreaterThan(0);
    // Mark the handed document (a flag renamed in it alone): the issue shows which document the worker used.
    const handed = kept.take(eventId, invocationId)!;
    expect(handed.flags.map((f) => f.key).sort()).toEqual(['beta_banner', 'checkout_v2']);
    const marked = { ...handed, flags: handed.flags.map((f) => (f.key === 'beta_banner' ? { ...f, name: 'Beta banner (as checked at the door)' } : f)) };
    kept.put(eventId, invocationId, marked, 1000);

    h.service.worker.start();
    await waitIdle(h.service.db);
    expect(kept.size).toBe(0);
    expect(flagIssues()).toEqual(['beta_banner: Beta banner (as checked at the door)', 'checkout_v2: Checkout v2']);
  });

  it('a document no longer kept is parsed from the stored event, with the same issues', async () => {
    const kept = h.service.checkedDocuments!;
    const { eventId } = await sendWhileStopped();
    // As when newer documents pushed it out: a take under another InvocationId drops it.
    expect(kept.take(eventId, 'another-invocation')).toBeUndefined();
    expect(kept.size).toBe(0);

    h.service.worker.start();
    await waitIdle(h.service.db);
    expect(flagIssues()).toEqual(['beta_banner: Beta banner', 'checkout_v2: Checkout v2']);
  });
});
