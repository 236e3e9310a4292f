/**
 * Uninstall while the worker has a Jira write in flight: the write's answer comes back after the purge,
 * and nothing of the site may be re-created by it (flag state, events, version index).
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Op } from 'sequelize';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/paths.js';
import { databaseKinds } from '../support/databases.js';
import { startHarness, type Harness } from '../support/harness.js';

const fixture = (n: string) => fs.readFileSync(path.join(projectRoot, 'test', 'fixtures', n), 'utf8');
async function waitFor(what: string, check: () => Promise<boolean>, ms = 15_000) {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe.each(databaseKinds)('uninstall during processing on %s', (kind) => {
  let h: Harness;
  beforeAll(async () => { h = await startHarness({ db: kind }); });
  afterAll(async () => { await h?.close(); });

  it('leaves no row of the site behind, even with a Jira write in flight', async () => {
    const id = (await h.associate()).id;
    const event = (doc: string, v: string) => ({
      ...JSON.parse(fixture('event-pre-create.json')), InvocationId: randomUUID(),
      Application: { Id: h.app.id }, ConfigurationProfile: { Id: h.profile.id },
      Content: Buffer.from(fixture(doc)).toString('base64'), ContentVersion: v,
    });
    const m = h.service.models;
    expect((await h.sendEvent(id, event('flags-v1.json', '1'))).status).toBe(202);
    await waitFor('v1 processed', async () => (await m.StoredEvent.count({ where: { associationId: id, status: 'pending' } })) === 0);
    h.jira.faults.add({ match: { method: 'PUT' }, delayMs: 1500 });
    h.jira.faults.add({ match: { method: 'POST', path: '/rest/api/3/issue/bulk' }, delayMs: 1500 });
    expect((await h.sendEvent(id, event('flags-v2.json', '2'))).status).toBe(202);
    await waitFor('a write in flight', async () => (await m.FlagState.count({ where: { associationId: id, pendingWrite: { [Op.ne]: null } } })) > 0);
    expect((await h.jira.uninstall()).status).toBe(204);
    await waitFor('the worker to let go', async () => (await m.Association.count({ where: { leaseOwner: { [Op.ne]: null } } })) === 0);
    await new Promise((r) => setTimeout(r, 2500)); // the delayed Jira answer comes back after 1.5 s
    expect({
      flagStates: await m.FlagState.count({ where: { associationId: id } }),
      events: await m.StoredEvent.count({ where: { associationId: id } }),
      configVersions: await m.ConfigVersion.count({ where: { associationId: id } }),
    }).toEqual({ flagStates: 0, events: 0, configVersions: 0 });
  });
});
