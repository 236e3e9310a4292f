/**
 * Removing an association while the worker is part-way through a batch of Jira writes for it: the
 * Remove answers once its rows are gone, and from then on no further write of the batch starts (the
 * worker reads that it still holds the association before every call, not only when its lease is due
 * for renewal seconds later). Issues made after the Remove would be tracked by nobody, and a new Save
 * of the profile would make them again.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseKinds } from '../support/databases.js';
import { startHarness, type Harness } from '../support/harness.js';
import { preCreateEvent } from '../support/events.js';
import { largeDocument, waitIdle } from '../support/pipeline-kit.js';
import { sleep } from '../support/wait.js';

const FLAGS = 600; // 12 bulk creates, 4 at a time
/**
 * A call checked just before the Remove committed still reaches Jira after it answered: its body is
 * rendered and sent. The batch's next calls, on the old code, came 300 ms after (one Jira answer later).
 */
const IN_FLIGHT_MS = 150;

describe.each(databaseKinds)('removing an association stops its batch of Jira writes (%s)', (kind) => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({ db: kind });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('no bulk create starts after the Remove answered', async () => {
    const { id } = await h.associate();
    h.jira.faults.add({ match: { method: 'POST', path: /^\/rest\/api\/3\/issue\/bulk$/ }, delayMs: 300, times: 100 });
    expect((await h.sendEvent(id, preCreateEvent(h, largeDocument(FLAGS, 1), 1))).status).toBe(202);
    const bulkCreates = () => h.jira.requests.filter((r) => r.method === 'POST' && r.path === '/rest/api/3/issue/bulk');
    await expect.poll(() => bulkCreates().length, { timeout: 10_000, interval: 10 }).toBeGreaterThan(0);

    expect((await h.api('delete', `/api/associations/${id}`)).status).toBe(204);
    const removedAt = Date.now();
    await sleep(2_000); // the rest of the batch would have run by now
    await waitIdle(h.service.db, 10_000);
    const late = bulkCreates().filter((r) => r.startedAt > removedAt + IN_FLIGHT_MS);
    expect(late.map((r) => r.startedAt - removedAt)).toEqual([]);
    expect(bulkCreates().length).toBeLessThan(FLAGS / 50);
  }, 30_000);
});
