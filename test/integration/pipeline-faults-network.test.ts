/**
 * Dropped connections and slow answers: a write whose answer never came is settled before anything is
 * written again, so once the faults clear Jira holds exactly the state of a run with no faults.
 */
import { describe, expect, it } from 'vitest';
import { databaseKinds } from '../support/databases.js';
import { faultSuite } from '../support/fault-suite.js';

describe.each(databaseKinds)('Jira unreachable or slow (%s)', (kind) => {
  const { underFaults } = faultSuite(kind);

  it('connections dropped without an answer on every 3rd call (4 of them, writes included): same Jira state as a clean run', async () => {
    await underFaults([{ drop: true, everyNth: 3, times: 4 }], (r) => r.fault === 'drop');
  }, 60_000);

  it('slow answers (1.2 s on every 2nd call): same Jira state as a clean run', async () => {
    const x = await underFaults([{ delayMs: 1200, everyNth: 2, times: 6 }], (r) => r.fault === 'delay');
    expect(x.jira.requests.filter((r) => r.fault === 'delay').length).toBeGreaterThanOrEqual(3);
  }, 60_000);
});
