/**
 * The crash suite (crash.test.ts on SQLite, crash-postgres.test.ts on PostgreSQL): the app as a real
 * process, killed with SIGKILL in the middle of a large document (300 flags) while Jira answers slowly, at
 * three points: during the bulk creates, during the edits of the second version, during the deployment
 * comments. Each time a new process on the same database takes over once the dead one's lease runs out,
 * and the end state in Jira is exactly that of a run that was never interrupted: one issue per flag, one
 * change comment per changed flag, one deployment comment each.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type DbKind, type TestDatabase } from './databases.js';
import { KEYS, startHarness, TEST_OPERATOR_KEY } from './harness.js';
import {
  associateVia,
  healthVia,
  installOn,
  postEvent,
  startAppProcess,
  startDoubles,
  type AppProcess,
  type Doubles,
} from './app-process.js';
import { deploymentEvent, type EventTarget, preCreateEvent } from './events.js';
import { editsByIssue, issuesByFlag, type IssueSnapshot, jiraSnapshot, largeDocument, waitIdle } from './pipeline-kit.js';
import { waitFor } from './wait.js';
import type { FaultMatch, RecordedRequest } from '../doubles/jira/index.js';

const FLAGS = 300;
const LEASE_MS = 3000;
/** How long the call under way at the kill is held by Jira: shorter than any lease expiry after the kill. */
const HOLD_MS = 1000;
const events = (target: EventTarget) => [
  preCreateEvent(target, largeDocument(FLAGS, 1), 1, { description: 'all the flags', invocationId: 'crash-v1' }),
  preCreateEvent(target, largeDocument(FLAGS, 2), 2, { description: 'tuning', invocationId: 'crash-v2' }),
  deploymentEvent(target, 2, { deploymentNumber: 5, invocationId: 'crash-deploy-2' }),
];
const isBulk = (r: RecordedRequest) => r.method === 'POST' && r.path === '/rest/api/3/issue/bulk';
const isEdit = (r: RecordedRequest) => r.method === 'PUT' && /^\/rest\/api\/3\/issue\/[^/]+$/.test(r.path);

/** Defines the crash suite for one database kind (run only when `enabled`). */
export function describeCrashRecovery(kind: DbKind, enabled = true): void {
  describe.runIf(enabled)(`the app killed with SIGKILL mid-run and restarted (${kind})`, () => {
    let expected: IssueSnapshot[];
    let doubles: Doubles;
    let db: TestDatabase;
    let app: AppProcess | undefined;
    let associationId: string;

    const target = (): EventTarget => ({ app: doubles.app, profile: doubles.profiles[0]! });
    const snapshot = () => jiraSnapshot(doubles.jira, { [doubles.app.id]: '<app>', [doubles.profiles[0]!.id]: '<profile>' });
    const start = async () => {
      app = await startAppProcess({ dataDir: db.dataDir, databaseUrl: db.databaseUrl, env: { WORKER_LEASE_MS: String(LEASE_MS) } });
      return app;
    };
    /**
     * Slows the Jira calls `match` selects and holds the (n+1)th for a second; once n have been answered
     * and the held one is under way, kills the app. Jira still carries the held call out: its answer is lost.
     */
    const killWhileHeld = async (match: FaultMatch, what: (r: RecordedRequest) => boolean, n: number, event: Record<string, unknown>) => {
      doubles.jira.faults.add({ match, delayMs: HOLD_MS, everyNth: n + 1, times: 1 });
      doubles.jira.faults.add({ match, delayMs: 60 });
      expect((await postEvent(doubles, app!, associationId, event)).status).toBe(202);
      await waitFor(`${n} answered Jira calls`, () => doubles.jira.requests.filter(what).length >= n, 30_000, 5);
      // Kill once the held call has reached Jira (not after a fixed sleep: a busy machine may send it late).
      await waitFor('the held call to reach Jira', () => doubles.jira.arrived.filter(what).length > n, 30_000, 2);
      // Writes go a few at a time: others may have been answered meanwhile, never the held one.
      const held = doubles.jira.arrived.filter(what)[n]!;
      expect(doubles.jira.requests).not.toContain(held);
      await app!.kill('SIGKILL');
      await waitFor('the held call to be carried out', () => doubles.jira.requests.includes(held), 5000);
      expect(held.status).toBeGreaterThanOrEqual(200);
      expect(held.status).toBeLessThan(300);
      doubles.jira.faults.clear();
      return held;
    };
    const restartAndFinish = async () => {
      const next = await start();
      await waitFor('the restarted app to finish the backlog', async () => (await healthVia(doubles, next))[0]?.health.backlog === 0, 40_000, 200);
    };

    beforeAll(async () => {
      // The reference: the same events through an app that is never interrupted.
      const ref = await startHarness({ db: kind });
      const refId = (await ref.associate()).id;
      for (const e of events(ref)) {
        expect((await ref.sendEvent(refId, e)).status).toBe(202);
        await waitIdle(ref.service.db, 40_000);
      }
      expected = jiraSnapshot(ref.jira, { [ref.app.id]: '<app>', [ref.profile.id]: '<profile>' });
      await ref.close();
      expect(expected).toHaveLength(FLAGS + 5);

      doubles = await startDoubles();
      db = await createTestDatabase(kind);
      await start();
      await installOn(doubles, app!);
      associationId = await associateVia(doubles, app!, doubles.profiles[0]!.id);
      doubles.jira.clearRequests();
    }, 120_000);

    afterAll(async () => {
      await app?.kill('SIGKILL');
      await doubles?.close();
      await db?.drop();
    });

    it('killed during the bulk creates of the first document: after a restart, exactly one issue per flag', async () => {
      await killWhileHeld({ method: 'POST', path: '/rest/api/3/issue/bulk' }, isBulk, 2, events(target())[0]!);
      // The third bulk create landed after the app died, and so did any other under way then (4 at a time).
      const landed = doubles.jira.issues().length;
      expect(landed).toBeGreaterThanOrEqual(150);
      expect(landed % 50).toBe(0);

      doubles.jira.clearRequests();
      await restartAndFinish();
      const issues = issuesByFlag(doubles.jira); // throws if any flag has two issues
      expect(issues.size).toBe(FLAGS);
      expect(doubles.jira.issues()).toHaveLength(FLAGS);
      // The restarted app found the issues of the lost answer by their property and created only the rest.
      expect(doubles.jira.requests.some((r) => r.method === 'POST' && /\/search\/jql$|\/issue\/bulkfetch$/.test(r.path))).toBe(true);
      const created = doubles.jira.requests.filter(isBulk).flatMap((r) => (r.body as { issueUpdates: unknown[] }).issueUpdates);
      expect(created).toHaveLength(FLAGS - landed);
    }, 90_000);

    it('killed during the edits of the second document: each changed flag gets exactly one write and one comment', async () => {
      doubles.jira.clearRequests();
      const held = await killWhileHeld({ method: 'PUT' }, isEdit, 25, events(target())[1]!);
      await restartAndFinish();
      // The restarted app read the held issue's write marker (appconfigFlagSync), saw its write had landed, and did not repeat it.
      expect(doubles.jira.requests.some((r) => r.method === 'GET' && r.path === `${held.path}/properties/appconfigFlagSync`)).toBe(true);
      for (const [key, writes] of editsByIssue(doubles.jira.requests)) expect(writes, key).toHaveLength(1);
      for (const issue of doubles.jira.issues()) expect(issue.comments.length, issue.key).toBeLessThanOrEqual(1);
      expect(editsByIssue(doubles.jira.requests).size).toBeGreaterThan(25);
    }, 90_000);

    it('killed during the deployment comments: one deployment comment per flag the version changed', async () => {
      doubles.jira.clearRequests();
      const held = await killWhileHeld({ method: 'PUT' }, isEdit, 25, events(target())[2]!);
      await restartAndFinish();
      expect(doubles.jira.requests.some((r) => r.method === 'GET' && r.path === `${held.path}/properties/appconfigFlagSync`)).toBe(true);
      for (const [key, writes] of editsByIssue(doubles.jira.requests)) expect(writes, key).toHaveLength(1);
      for (const issue of doubles.jira.issues()) {
        expect(issue.comments.filter((c) => c.text.includes('Deployment #5')).length, issue.key).toBeLessThanOrEqual(1);
      }
    }, 90_000);

    it('ends in exactly the Jira state of a run that was never interrupted', async () => {
      expect(snapshot()).toEqual(expected);
      const [association] = await healthVia(doubles, app!);
      expect(association?.health).toMatchObject({ backlog: 0, failedEvents: 0 });
      // Secrets never reach the logs, whatever happened.
      expect(app!.output()).toContain('events processed');
      expect(app!.output()).not.toContain(KEYS.full.secretAccessKey);
      expect(app!.output()).not.toContain(TEST_OPERATOR_KEY);
    });
  });
}
