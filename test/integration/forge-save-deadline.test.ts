/**
 * A Save through the Forge door answers before Forge gives up on invokeRemote (25 s), however long the
 * operator lets a Save wait for its backfill (BACKFILL_WAIT_MS up to 60 s): the wait ends by 20 s and
 * the page is told the issues are on their way (backfill-progress.test.ts shows that they come). The
 * Forge double gives up at 25 s as Forge does. Door logic, not the database's: SQLite only (it takes 20 s).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startForgeHarness, type ForgeHarness } from '../support/forge-harness.js';
import { associationForm } from '../support/harness.js';
import { flagsV1 } from '../support/fixtures.js';

describe('a Forge Save while Jira is slow, with a long backfill wait', () => {
  let h: ForgeHarness;
  beforeAll(async () => {
    h = await startForgeHarness({ db: 'sqlite', backfillWaitMs: 40_000 });
    h.aws.addHostedVersion(h.app.id, h.forgeProfile.id, JSON.stringify(flagsV1()), { description: 'first flags' });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('answers within Forge\'s limit that the issues are on their way', async () => {
    // Jira asks the bulk create to wait 30 s: longer than Forge lets the page wait.
    h.siteJira.faults.add({ match: { method: 'POST', path: /\/rest\/api\/3\/issue\/bulk$/ }, status: 503, retryAfter: 30, times: 1 });
    const res = await h.forgeApi('POST', '/api/associations', associationForm(h, { configurationProfileId: h.forgeProfile.id }));
    expect(res.status).toBe(201);
    expect(res.ms).toBeLessThan(25_000);
    expect(res.json).toMatchObject({ backfill: 'done', backfillEvent: { status: 'pending' } });
    // The answer came when the wait ended, not at once: the page was told as late as Forge allows.
    expect(res.ms).toBeGreaterThan(15_000);
  }, 60_000);
});
