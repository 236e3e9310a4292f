/**
 * A fresh Forge token wakes only the work that waited for a token. An event of the same installation
 * that waits for Jira to finish an edit whose answer was lost (JIRA_SEARCH_LAG_MS) keeps its time: read
 * back early, the edit would look unmade and be made a second time.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseKinds } from '../support/databases.js';
import { startForgeHarness, type ForgeHarness } from '../support/forge-harness.js';
import { preCreateEvent } from '../support/events.js';
import { flagsV1, flagsV2 } from '../support/fixtures.js';
import { waitIdle } from '../support/pipeline-kit.js';
import { waitFor } from '../support/wait.js';

const SEARCH_LAG_MS = 120_000;
const JIRA_FINISHES_AFTER_MS = 3000;

describe.each(databaseKinds)('a fresh Forge token and an event waiting for Jira to finish an edit (%s)', (kind) => {
  let h: ForgeHarness;

  beforeAll(async () => {
    h = await startForgeHarness({ db: kind, env: { searchLagMs: SEARCH_LAG_MS } });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('the heartbeat wakes the association that waited for a token, and leaves the other one waiting', async () => {
    const lagging = await h.forgeAssociate();
    const tokenless = await h.forgeAssociate({ configurationProfileId: h.profile.id });
    const issuesOf = (profileId: string) =>
      h.siteJira.issues().filter((i) => (i.properties.appconfigFlag as { configurationProfileId?: string }).configurationProfileId === profileId);
    const eventsOf = (associationId: string) => h.service.models.StoredEvent.findAll({ where: { associationId }, order: [['id', 'ASC']] });

    const forgeTarget = { app: h.app, profile: h.forgeProfile };
    expect((await h.sendEvent(lagging.id, preCreateEvent(forgeTarget, flagsV1(), 1))).status).toBe(202);
    await waitIdle(h.service.db);
    // Version 2's first edit: Jira cuts the connection, then applies the edit 3 s later.
    h.siteJira.faults.add({ match: { method: 'PUT', path: /\/rest\/api\/3\/issue\/[^/]+$/ }, workAfterLoss: true, delayMs: JIRA_FINISHES_AFTER_MS, times: 1 });
    expect((await h.sendEvent(lagging.id, preCreateEvent(forgeTarget, flagsV2(), 2))).status).toBe(202);
    const waiting = await waitFor('the event waiting for Jira to finish the edit', async () => {
      const event = (await eventsOf(lagging.id))[1];
      return event && event.availableAt.getTime() > Date.now() + 60_000 ? event : undefined;
    });

    // The app system token expires; the other association's event waits for a new one.
    h.forge.expireSystemTokens(h.inst);
    expect((await h.sendEvent(tokenless.id, preCreateEvent({ app: h.app, profile: h.profile }, flagsV1(), 1))).status).toBe(202);
    await waitFor('the token wait', async () => (await h.service.models.Association.findByPk(tokenless.id))?.lastErrorCode === 'tenant_token_expired');

    // A heartbeat brings a token: the waiting association goes on at once...
    expect((await h.forge.heartbeat(h.service.url, h.inst)).status).toBe(200);
    await waitFor("the token-waiting association's issues", () => issuesOf(h.profile.id).length === 2, 15_000);
    // ...and the other still waits for Jira's lag: once Jira has finished the edit, the flag version 2
    // changed has its change comment once, not twice.
    await new Promise((resolve) => setTimeout(resolve, JIRA_FINISHES_AFTER_MS + 500));
    const after = (await eventsOf(lagging.id))[1]!;
    expect(after.status).toBe('pending');
    expect(after.availableAt.getTime()).toBe(waiting.availableAt.getTime());
    const checkout = issuesOf(h.forgeProfile.id).find((i) => i.summary === 'Checkout v2')!;
    expect(checkout.comments.map((c) => c.text)).toEqual([expect.stringMatching(/^Changed in AWS AppConfig, configuration version 2/)]);
  });
});
