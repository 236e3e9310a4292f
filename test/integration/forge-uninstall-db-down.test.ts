/**
 * Forge's pre-uninstall arriving while PostgreSQL refuses the app's connections (a restart, a network
 * cut). Forge does not send it again, so the app answers 202 and keeps trying: once the database is
 * back, the installation is hidden and every row of it purged, as a pre-uninstall on a good day does.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseKinds } from '../support/databases.js';
import { startForgeHarness, type ForgeHarness } from '../support/forge-harness.js';
import { waitFor } from '../support/wait.js';
import { databaseCut, type DatabaseCut } from '../support/database-cut.js';

describe.each(databaseKinds.filter((k) => k === 'postgres'))('a Forge pre-uninstall while the database is unreachable (%s)', (kind) => {
  let h: ForgeHarness;
  let connections: DatabaseCut;

  beforeAll(async () => {
    h = await startForgeHarness({ db: kind, worker: false });
    connections = databaseCut(h.db.databaseUrl!);
  });
  afterAll(async () => {
    await connections?.restore().catch(() => undefined);
    await h?.close();
  });

  it('answers 202, and purges the installation once the database is back', async () => {
    const { id } = await h.forgeAssociate();
    expect((await h.rowsMentioning(h.inst.installationId)).length).toBeGreaterThan(0);
    await connections.cut();
    let answer;
    try {
      answer = await h.forge.preUninstall(h.service.url, h.inst);
    } finally {
      await connections.restore();
    }
    expect(answer.status).toBe(202);
    expect(h.logs()).toContain('Forge pre-uninstall came while the database was unavailable');
    await waitFor('the installation purged after the outage', async () => (await h.rowsMentioning(h.inst.installationId)).length === 0, 20_000, 200);
    expect(await h.rowsMentioning(id)).toEqual([]);
    expect((await h.forgeApi('GET', '/api/associations')).status).toBe(401);
  }, 40_000);
});
