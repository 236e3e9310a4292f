/**
 * Jira rate-limits a site, not a call: after a 429 with Retry-After, no request of ANY association of
 * that tenant may start before the window has passed. Three associations of one site sync at once
 * while Jira answers every 5th issue call with 429 (Retry-After: 1); the app's own fetches are watched
 * (when each request started, when each answer came), and Jira's end state is compared with a clean run.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { databaseKinds } from '../support/databases.js';
import { startHarness, type Harness } from '../support/harness.js';
import { preCreateEvent } from '../support/events.js';
import { jiraSnapshot, largeDocument, waitIdle, type IssueSnapshot } from '../support/pipeline-kit.js';
import { watchAppFetch, type AppCall } from '../support/app-fetch.js';

const ASSOCIATIONS = 3;
const FLAGS = 40;
const RETRY_AFTER_MS = 1000;

describe.each(databaseKinds)('one Retry-After window per Jira site (%s)', (kind) => {
  let h: Harness | undefined;
  let restore: (() => void) | undefined;
  afterEach(async () => {
    restore?.();
    restore = undefined;
    await h?.close();
    h = undefined;
  });

  /** Three associations of the site, first documents synced, then the second documents all at once. */
  async function run(limit: boolean): Promise<{ x: Harness; calls: AppCall[]; snapshot: IssueSnapshot[] }> {
    const x = await startHarness({ db: kind, profiles: ASSOCIATIONS });
    h = x;
    const ids: string[] = [];
    for (const p of x.profiles) ids.push((await x.associate({ configurationProfileId: p.id })).id);
    const target = (i: number) => ({ app: x.app, profile: x.profiles[i]! });
    const watched = watchAppFetch(x.jira.tenant().baseUrl);
    restore = watched.restore;
    if (limit) x.jira.faults.add({ match: { path: /^\/rest\/api\/3\/issue/ }, status: 429, retryAfter: RETRY_AFTER_MS / 1000, everyNth: 5 });
    for (const version of [1, 2] as const) {
      const sent = await Promise.all(ids.map((id, i) => x.sendEvent(id, preCreateEvent(target(i), largeDocument(FLAGS, version), version))));
      expect(sent.map((r) => r.status)).toEqual(ids.map(() => 202));
      await waitIdle(x.service.db, 60_000);
    }
    x.jira.faults.clear();
    const replace = Object.fromEntries([[x.app.id, '<app>'], ...x.profiles.map((p, i) => [p.id, `<profile ${i}>`])]);
    return { x, calls: watched.calls, snapshot: jiraSnapshot(x.jira, replace) };
  }

  it('after a 429 no call of any association starts inside the window; nothing lost, nothing doubled', async () => {
    const clean = await run(false);
    expect(clean.snapshot.length).toBeGreaterThanOrEqual(ASSOCIATIONS * FLAGS);
    restore?.();
    await clean.x.close();
    h = undefined;

    const { calls, snapshot } = await run(true);
    const limited = calls.filter((c) => c.status === 429);
    expect(limited.length, 'the faults hit the app').toBeGreaterThanOrEqual(3);
    // Each 429's window: from when the app had the answer, for Retry-After. A request started inside one
    // was started after the app knew it had to wait (those already in flight were sent before it knew).
    const early = calls.filter((c) => limited.some((l) => c.startedSeq > l.answeredSeq! && c.started < l.answered! + RETRY_AFTER_MS));
    expect(early, 'requests started inside a Retry-After window').toEqual([]);
    // Nothing lost, nothing doubled: the same issues, descriptions, properties and comments as the clean run.
    expect(snapshot).toEqual(clean.snapshot);
    expect(calls.every((c) => c.status !== undefined), 'every request was answered').toBe(true);
  }, 180_000);
});
