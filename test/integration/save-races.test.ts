/**
 * Saving an association races the things that remove it. An uninstall that lands while the save is in
 * its AWS calls leaves nothing of the site behind: the save is refused (401, as a request from an
 * uninstalled site is) and
 * no association row is left to take events that would wait forever. A removal of the association while
 * it is being saved again is answered 409 association_removed (nothing saved), and saving once more
 * creates it anew, which repoints AWS's association at it. Real databases; the AWS double holds the one
 * AWS call the race needs.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { databaseKinds } from '../support/databases.js';
import { associationForm, startHarness, type Harness } from '../support/harness.js';
import { preCreateEvent } from '../support/events.js';
import { flagsV1 } from '../support/fixtures.js';
import { waitFor } from '../support/wait.js';
import { waitIdle } from '../support/pipeline-kit.js';

describe.each(databaseKinds)('saving an association while it or its site is removed (%s)', (kind) => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness({ db: kind });
  });
  afterEach(async () => {
    await h?.close();
  });

  const awsCallStarted = (action: string) => waitFor(`${action} under way`, async () => h.aws.calls.some((c) => c.action === action) || undefined);

  it('an uninstall during the save leaves no association behind and refuses the save', async () => {
    h.aws.faults.add({ action: 'CreateExtensionAssociation', delayMs: 1000 });
    const saving = h.api('post', '/api/associations', associationForm(h)).then((r) => r);
    await awsCallStarted('CreateExtensionAssociation');
    expect((await h.jira.uninstall()).status).toBe(204);

    const res = await saving;
    expect(res.status, JSON.stringify(res.body)).toBe(401);
    expect(JSON.stringify(res.body)).toContain('"unauthorized"'); // the one answer to every refused authentication
    const m = h.service.models;
    expect({ associations: await m.Association.count(), events: await m.StoredEvent.count(), sites: await m.Site.count() }).toEqual({
      associations: 0,
      events: 0,
      sites: 0,
    });
  });

  it('a removal during a second save is answered 409 and saves nothing; saving again creates it anew', async () => {
    const first = await h.associate();
    await waitIdle(h.service.db);
    h.aws.calls.length = 0;
    h.aws.faults.add({ action: 'GetExtensionAssociation', delayMs: 1000 });
    const saving = h.api('post', '/api/associations', associationForm(h)).then((r) => r);
    await awsCallStarted('GetExtensionAssociation');
    expect((await h.api('delete', `/api/associations/${first.id}`)).status).toBe(204);

    const res = await saving;
    expect(res.status, JSON.stringify(res.body)).toBe(409);
    expect(JSON.stringify(res.body)).toContain('association_removed');
    expect(await h.service.models.Association.count()).toBe(0);

    const again = await h.associate();
    expect(again.id).not.toBe(first.id);
    expect((await h.sendEvent(again.id, preCreateEvent(h, flagsV1(), 1))).status).toBe(202);
  });
});
