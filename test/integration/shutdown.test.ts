/**
 * Stopping the app (SIGTERM calls Service.close): requests under way are answered, not cut, while no
 * new connection is taken; then the database is closed. Here an admin's save is in its AWS calls when
 * the stop begins: it still gets its 201, its row is saved, and the stop ends after it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseKinds } from '../support/databases.js';
import { associationForm, startHarness, type Harness } from '../support/harness.js';
import { waitFor } from '../support/wait.js';

describe.each(databaseKinds)('stopping the app (%s)', (kind) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ db: kind });
  });
  afterAll(async () => {
    await h?.close(); // closing the service again waits for the first close, then the doubles go
  });

  it('answers the requests under way, takes no new connection, then closes', async () => {
    h.aws.faults.add({ action: 'CreateExtensionAssociation', delayMs: 800 });
    const url = h.service.url;
    const saving = fetch(`${url}/api/associations`, {
      method: 'POST',
      headers: { Authorization: `JWT ${h.jira.contextJwt(h.jira.adminAccountId)}`, 'Content-Type': 'application/json' },
      body: JSON.stringify(associationForm(h)),
    });
    await waitFor('the save in its AWS calls', async () => h.aws.calls.some((c) => c.action === 'CreateExtensionAssociation') || undefined);

    let stopped = false;
    const stopping = h.service.close().then(() => (stopped = true));
    // A connection made after the stop began is refused.
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();

    const res = await saving;
    expect(res.status).toBe(201);
    const body = (await res.json()) as { id: string };
    await stopping;
    expect(stopped).toBe(true);

    // The row was committed before the database closed: read it with a fresh connection.
    const { openDatabase } = await import('../../src/db/database.js');
    const db = await openDatabase({ databaseUrl: h.service.config.databaseUrl, dataDir: h.service.config.dataDir });
    try {
      const rows = await db.sequelize.query('SELECT id FROM associations', { type: 'SELECT' });
      expect(rows).toEqual([{ id: body.id }]);
    } finally {
      await db.close();
    }
  });
});
