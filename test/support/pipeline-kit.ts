/**
 * Building blocks for the event-pipeline tests: waiting for the worker to go idle, the Jira writes the
 * app made, and a snapshot of the Jira double's state that two runs can be compared on (ids, keys and
 * dates left out).
 */
import { QueryTypes } from 'sequelize';
import type { Db } from '../../src/db/database.js';
import type { IssueView, JiraDouble, RecordedRequest } from '../doubles/jira/index.js';
import type { FlagProperty } from '../../src/worker/flag-issue.js';
import { deploymentEvent, preCreateEvent, type EventTarget } from './events.js';
import { flagsV1, flagsV2 } from './fixtures.js';
import { waitFor } from './wait.js';

/** Rows of the events table by status (straight SQL: what is really stored). */
export async function eventCounts(db: Db): Promise<{ total: number; pending: number; done: number; failed: number }> {
  const rows = await db.sequelize.query<{ status: string; n: number | string }>(
    'SELECT status, COUNT(*) AS n FROM events GROUP BY status',
    { type: QueryTypes.SELECT },
  );
  const out = { total: 0, pending: 0, done: 0, failed: 0 };
  for (const r of rows) {
    const n = Number(r.n);
    out.total += n;
    if (r.status === 'pending' || r.status === 'done' || r.status === 'failed') out[r.status] += n;
  }
  return out;
}

/** Waits until no stored event is pending (every event done or set aside as failed). */
export async function waitIdle(db: Db, timeoutMs = 20_000): Promise<void> {
  await waitFor('the worker to process every stored event', async () => (await eventCounts(db)).pending === 0, timeoutMs, 100);
}

/**
 * Jira writes the app made to issues: creates, edits (PUT issue) and comment/property writes, answered
 * 2xx. Releases-panel submissions (/rest/featureflags) are not issue writes and are counted apart.
 */
export function successfulWrites(requests: RecordedRequest[]): RecordedRequest[] {
  return requests.filter(
    (r) =>
      (r.method === 'POST' || r.method === 'PUT') &&
      !/\/search\/jql$|\/issue\/bulkfetch$|\/permissions\/check$|^\/rest\/featureflags\//.test(r.path) &&
      r.status >= 200 &&
      r.status < 300,
  );
}

/** Each flag in the Jira double's Releases panel, on or off in `environment` (undefined: not there). */
export function panelValues(jira: JiraDouble, environment: string): Record<string, boolean | undefined> {
  return Object.fromEntries(
    [...jira.featureFlags.flags.values()].map(({ flag }) => [
      flag.key as string,
      (flag.details.find((d) => (d.environment as { name: string }).name === environment)?.status as { enabled: boolean } | undefined)?.enabled,
    ]),
  );
}

/** Successful PUT /rest/api/3/issue/{key} calls, per issue key. */
export function editsByIssue(requests: RecordedRequest[]): Map<string, RecordedRequest[]> {
  const out = new Map<string, RecordedRequest[]>();
  for (const r of successfulWrites(requests)) {
    const m = /^\/rest\/api\/3\/issue\/([^/]+)$/.exec(r.path);
    if (r.method !== 'PUT' || !m) continue;
    const list = out.get(m[1]!) ?? [];
    list.push(r);
    out.set(m[1]!, list);
  }
  return out;
}

export type { FlagProperty };

export const flagPropertyOf = (issue: IssueView): FlagProperty | undefined => issue.properties.appconfigFlag as FlagProperty | undefined;

/** Issues of one profile, by flag key; throws when a flag has two issues (the one thing that must never happen). */
export function issuesByFlag(jira: JiraDouble, profileId?: string): Map<string, IssueView> {
  const out = new Map<string, IssueView>();
  for (const issue of jira.issues()) {
    const prop = flagPropertyOf(issue);
    if (!prop || (profileId && prop.configurationProfileId !== profileId)) continue;
    if (out.has(prop.flagKey)) throw new Error(`flag ${prop.flagKey} has two issues: ${out.get(prop.flagKey)!.key} and ${issue.key}`);
    out.set(prop.flagKey, issue);
  }
  return out;
}

export interface IssueSnapshot {
  flagKey: string;
  projectKey: string;
  issueType: string;
  summary: string;
  description: string;
  property: FlagProperty;
  comments: string[];
}

/**
 * What a user sees in Jira, comparable across runs: per flag its summary, description text, property and
 * comment texts in order. Issue ids and keys, dates and the app's write marker (its own property) are left out, and
 * the given ids (e.g. the AWS double's random application id) are replaced by stable names.
 */
export function jiraSnapshot(jira: JiraDouble, replace: Record<string, string> = {}): IssueSnapshot[] {
  const norm = (s: string): string => Object.entries(replace).reduce((acc, [from, to]) => acc.split(from).join(to), s);
  const all = jira.issues().map((issue) => {
    const property = flagPropertyOf(issue) ?? ({} as FlagProperty);
    return {
      flagKey: property.flagKey ?? `(no property on ${issue.key})`,
      projectKey: issue.projectKey,
      issueType: issue.issueType,
      summary: norm(issue.summary),
      description: norm(issue.descriptionText),
      property: JSON.parse(norm(JSON.stringify(property))) as FlagProperty,
      comments: issue.comments.map((c) => norm(c.text)),
    };
  });
  return all.sort((a, b) => (a.property.configurationProfileId ?? '').localeCompare(b.property.configurationProfileId ?? '') || a.flagKey.localeCompare(b.flagKey));
}

/** Something that can deliver events to an association (the in-process harness, or an app child process). */
export interface EventSender {
  sendEvent(associationId: string, event: unknown): PromiseLike<{ status: number }>;
}

/**
 * The reference history most fault tests replay: the first document, the second, then a deployment of
 * the second. Each event must be accepted; `settle` waits until it has been processed.
 */
export async function replayReferenceHistory(
  sender: EventSender,
  target: EventTarget,
  associationId: string,
  settle: () => Promise<void>,
): Promise<void> {
  const events = [
    preCreateEvent(target, flagsV1(), 1, { description: 'first flags' }),
    preCreateEvent(target, flagsV2(), 2, { description: 'raise checkout limit' }),
    deploymentEvent(target, 2, { deploymentNumber: 4 }),
  ];
  for (const event of events) {
    const res = await sender.sendEvent(associationId, event);
    if (res.status !== 202) throw new Error(`event ${String(event.Type)} answered ${res.status}`);
    await settle();
  }
}

/**
 * A large feature-flag document: `count` flags with two attributes each. Version 2 changes a value in
 * every 5th flag, deletes the `mode` attribute of every 13th, deletes every 50th flag and adds 5 flags.
 */
export function largeDocument(count: number, version: 1 | 2): Record<string, unknown> {
  const flags: Record<string, unknown> = {};
  const values: Record<string, unknown> = {};
  const key = (i: number) => `flag_${String(i).padStart(3, '0')}`;
  const last = version === 1 ? count : count + 5;
  for (let i = 1; i <= last; i++) {
    if (version === 2 && i % 50 === 0) continue;
    const dropMode = version === 2 && i % 13 === 0;
    flags[key(i)] = {
      name: `Flag ${i}`,
      description: `Flag number ${i}`,
      attributes: {
        limit: { constraints: { type: 'number', minimum: 0 } },
        ...(dropMode ? {} : { mode: { description: 'Mode', constraints: { type: 'string', enum: ['a', 'b', 'c'] } } }),
      },
    };
    values[key(i)] = { enabled: i % 2 === 0, limit: version === 2 && i % 5 === 0 ? i + 1000 : i, ...(dropMode ? {} : { mode: 'a' }) };
  }
  return { version: '1', flags, values };
}
