/**
 * A deployment event set aside because Jira refused one flag's comment goes back to the queue when the
 * association is saved again, after a later deployment has commented on the same flags. Its re-run
 * comments only on the flag it could not write to: the others already have its comment, once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseKinds } from '../support/databases.js';
import { startHarness, type Harness } from '../support/harness.js';
import { deploymentEvent, preCreateEvent } from '../support/events.js';
import { flagsV1, flagsV2 } from '../support/fixtures.js';
import { eventCounts, issuesByFlag, waitIdle } from '../support/pipeline-kit.js';
import { fillWrittenFlags } from '../../src/db/migrations/0007-event-written-flags.js';

const PRODUCTION = { Id: 'env-prd', Name: 'production' };
const CHANGED_IN_V2 = ['beta_banner', 'checkout_v2', 'search_ranking'];

describe.each(databaseKinds)('re-running a set-aside deployment event (%s)', (kind) => {
  let h: Harness;
  let id: string;

  beforeAll(async () => {
    h = await startHarness({ db: kind });
    id = (await h.associate()).id;
    for (const doc of [preCreateEvent(h, flagsV1(), 1), preCreateEvent(h, flagsV2(), 2)]) {
      expect((await h.sendEvent(id, doc)).status).toBe(202);
      await waitIdle(h.service.db);
    }
    expect([...issuesByFlag(h.jira).keys()].sort()).toEqual(CHANGED_IN_V2);
  });
  afterAll(async () => {
    await h?.close();
  });

  /** Per flag, its comments about deployment #`n` that `verb` ("started", "completed"). */
  const deploymentComments = (verb: string, n: number) =>
    new Map([...issuesByFlag(h.jira)].map(([flag, issue]) => [flag, issue.comments.filter((c) => c.text.includes(verb) && c.text.includes(`#${n}`)).length]));

  it('comments only on the flag it could not write to, however many later events wrote to the others', async () => {
    const checkout = issuesByFlag(h.jira).get('checkout_v2')!;
    // Jira refuses the comment on checkout_v2's issue once, for good (403): the event is set aside.
    h.jira.faults.add({ match: { method: 'PUT', path: `/rest/api/3/issue/${checkout.key}` }, status: 403, times: 1 });
    expect((await h.sendEvent(id, deploymentEvent(h, 2, { environment: PRODUCTION, deploymentNumber: 1, type: 'OnDeploymentStart' }))).status).toBe(202);
    await waitIdle(h.service.db);
    expect(await eventCounts(h.service.db)).toMatchObject({ failed: 1 });
    expect(Object.fromEntries(deploymentComments('started', 1))).toEqual({ beta_banner: 1, checkout_v2: 0, search_ranking: 1 });
    const failed = async () => (await h.service.models.StoredEvent.findOne({ where: { status: 'failed' } }))!;
    expect(JSON.parse((await failed()).writtenFlags!)).toEqual(['beta_banner', 'search_ranking']);
    // An event set aside before the column existed gets the same list from the upgrade's migration.
    await h.service.models.StoredEvent.update({ writtenFlags: null }, { where: { status: 'failed' } });
    await fillWrittenFlags(h.service.db.sequelize.getQueryInterface());
    expect(JSON.parse((await failed()).writtenFlags!)).toEqual(['beta_banner', 'search_ranking']);

    // A later deployment comments on all three (each flag's last write is now this one's).
    expect((await h.sendEvent(id, deploymentEvent(h, 2, { environment: PRODUCTION, deploymentNumber: 1, type: 'OnDeploymentComplete' }))).status).toBe(202);
    await waitIdle(h.service.db);
    expect(Object.fromEntries(deploymentComments('completed', 1))).toEqual({ beta_banner: 1, checkout_v2: 1, search_ranking: 1 });

    // Saved again: the set-aside event runs again and owes only checkout_v2 its comment, with its tries
    // counted afresh (one more failure of another kind must not set it aside at once).
    const setAside = await failed();
    expect(setAside.attempts).toBeGreaterThan(0);
    await h.associate();
    await waitIdle(h.service.db);
    expect(await eventCounts(h.service.db)).toMatchObject({ failed: 0, pending: 0 });
    expect((await h.service.models.StoredEvent.findByPk(setAside.id))?.attempts).toBe(0);
    expect(Object.fromEntries(deploymentComments('started', 1))).toEqual({ beta_banner: 1, checkout_v2: 1, search_ranking: 1 });
    expect(Object.fromEntries(deploymentComments('completed', 1))).toEqual({ beta_banner: 1, checkout_v2: 1, search_ranking: 1 });
  });
});
