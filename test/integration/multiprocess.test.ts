/**
 * PostgreSQL only (the operator's scale-out setup): two app processes behind a "load balancer" on one
 * database share the work of several associations, each receiving its events through both processes.
 * The end state is exact: every association's issues and comments are those of a single uninterrupted
 * app, nothing doubled, and both processes did part of the work.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, databaseKinds, type TestDatabase } from '../support/databases.js';
import { startHarness } from '../support/harness.js';
import { associateVia, healthVia, installOn, postEvent, startAppProcess, startDoubles, type AppProcess, type Doubles } from '../support/app-process.js';
import { deploymentEvent, type EventTarget, preCreateEvent } from '../support/events.js';
import { flagsV1, flagsV2 } from '../support/fixtures.js';
import { issuesByFlag, type IssueSnapshot, jiraSnapshot, replayReferenceHistory, waitIdle } from '../support/pipeline-kit.js';
import { waitFor } from '../support/wait.js';

const ASSOCIATIONS = 4;
const hasPostgres = databaseKinds.includes('postgres');

/** The reference history of pipeline-kit, as separate events. */
const history = (t: EventTarget) => [
  preCreateEvent(t, flagsV1(), 1, { description: 'first flags' }),
  preCreateEvent(t, flagsV2(), 2, { description: 'raise checkout limit' }),
  deploymentEvent(t, 2, { deploymentNumber: 4 }),
];

// Needs TEST_DATABASE_URL (CI sets it): several processes on one database is a PostgreSQL setup.
describe.runIf(hasPostgres)('two app processes on one PostgreSQL database', () => {
  let expected: IssueSnapshot[];
  let doubles: Doubles;
  let db: TestDatabase;
  const apps: AppProcess[] = [];
  const ids: string[] = [];

  beforeAll(async () => {
    const ref = await startHarness({ db: 'postgres' });
    const refId = (await ref.associate()).id;
    await replayReferenceHistory(ref, ref, refId, () => waitIdle(ref.service.db));
    expected = jiraSnapshot(ref.jira, { [ref.app.id]: '<app>', [ref.profile.id]: '<profile>', [ref.profile.name]: '<profile name>' });
    await ref.close();

    doubles = await startDoubles(ASSOCIATIONS);
    db = await createTestDatabase('postgres');
    const env = { WORKER_LEASE_MS: '5000', WORKER_CONCURRENCY: '2' };
    apps.push(...(await Promise.all([0, 1].map(() => startAppProcess({ dataDir: db.dataDir, databaseUrl: db.databaseUrl, env })))));
    await installOn(doubles, apps[0]!);
    for (const [i, profile] of doubles.profiles.entries()) ids.push(await associateVia(doubles, apps[i % 2]!, profile.id));
    doubles.jira.clearRequests();
  }, 120_000);

  afterAll(async () => {
    for (const app of apps) await app.kill('SIGKILL');
    await doubles?.close();
    await db?.drop();
  });

  it('share the events of several associations and end in the exact state, nothing doubled', async () => {
    // Slow writes keep several associations in progress at once, so both processes get some.
    doubles.jira.faults.add({ delayMs: 40, match: { method: 'PUT' } });
    doubles.jira.faults.add({ delayMs: 150, match: { method: 'POST', path: '/rest/api/3/issue/bulk' } });
    await Promise.all(
      doubles.profiles.map(async (profile, i) => {
        const target = { app: doubles.app, profile };
        for (const event of history(target)) {
          // Each event reaches both processes at the same moment (a forwarder retry racing the first try):
          // one stores it, the other answers that it already has it.
          const answers = await Promise.all(apps.map((app) => postEvent(doubles, app, ids[i]!, event)));
          expect(answers.map((a) => a.status).sort()).toEqual([200, 202]);
        }
      }),
    );
    await waitFor(
      'both processes to finish every association',
      async () => (await healthVia(doubles, apps[0]!)).every((a) => a.health.backlog === 0),
      60_000,
      200,
    );
    doubles.jira.faults.clear();

    for (const profile of doubles.profiles) {
      const issues = issuesByFlag(doubles.jira, profile.id); // throws on a second issue for a flag
      expect([...issues.keys()].sort()).toEqual(['beta_banner', 'checkout_v2', 'search_ranking']);
      const mine = jiraSnapshot(doubles.jira, { [doubles.app.id]: '<app>', [profile.id]: '<profile>', [profile.name]: '<profile name>' }).filter(
        (s) => s.property.configurationProfileId === '<profile>',
      );
      expect(mine, profile.name).toEqual(expected);
    }
    expect(doubles.jira.issues()).toHaveLength(3 * ASSOCIATIONS);
    for (const a of await healthVia(doubles, apps[1]!)) expect(a.health).toMatchObject({ backlog: 0, failedEvents: 0, status: 'ok' });

    // Both processes did part of the work.
    for (const app of apps) expect(app.output(), `process ${app.pid} processed no event`).toContain('"events processed"');
  }, 90_000);
});
