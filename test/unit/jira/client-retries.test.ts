import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { doc as adfDoc, paragraph, type AdfDoc } from '../../../src/flags/render/adf.js';
import { JiraClient, JiraError, type RetryInfo } from '../../../src/jira/index.js';
import { startJiraDouble, type JiraDouble } from '../../doubles/jira/index.js';
import { waitFor } from '../../support/wait.js';

const doc = (value: string): AdfDoc => adfDoc(paragraph(value));
const newIssue = (summary: string) => ({ project: { key: 'FLAG' }, issueType: { id: '10001' }, summary });

describe('JiraClient retries, timeouts and refusals against the Jira double', () => {
  let jira: JiraDouble;
  let sleeps: number[];
  let retries: RetryInfo[];
  const client = (opts: { timeoutMs?: number; maxAttempts?: number } = {}) =>
    new JiraClient(jira.tenant(), {
      ...opts,
      // Record the waits instead of sleeping them, so the test stays fast but can assert them.
      sleep: async (ms) => void sleeps.push(ms),
      onRetry: (info) => void retries.push(info),
    });

  beforeAll(async () => {
    jira = await startJiraDouble({ appKey: 'appconfig-flags-test' });
    await client().createIssue(newIssue('Seed'));
  });
  afterAll(() => jira.close());
  beforeEach(() => {
    jira.faults.clear();
    jira.clearRequests();
    sleeps = [];
    retries = [];
  });

  it('waits out a 429 for at least Retry-After, then succeeds', async () => {
    jira.faults.add({ match: { method: 'PUT' }, status: 429, retryAfter: 7, times: 1 });
    await client().editIssue('FLAG-1', { fields: { summary: 'Renamed after 429' } });
    expect(sleeps).toHaveLength(1);
    expect(sleeps[0]).toBeGreaterThanOrEqual(7000);
    expect(sleeps[0]).toBeLessThanOrEqual(8000);
    expect(retries[0]?.error).toMatchObject({ status: 429, retryable: true, retryAfterMs: 7000 });
    expect(jira.requests.map((r) => r.status)).toEqual([429, 204]);
    expect(jira.issue('FLAG-1')?.summary).toBe('Renamed after 429');
  });

  it('asks beforeRetry before each retry; when it throws (the worker lost its lease meanwhile), nothing more is sent', async () => {
    jira.faults.add({ match: { method: 'PUT' }, status: 429, retryAfter: 1, times: 2 });
    let asked = 0;
    const owner = new JiraClient(jira.tenant(), { sleep: async () => {}, beforeRetry: async () => void asked++ });
    await owner.editIssue('FLAG-1', { fields: { summary: 'Renamed by the owner' } });
    expect(asked).toBe(2);
    expect(jira.requests.map((r) => r.status)).toEqual([429, 429, 204]);

    jira.clearRequests();
    jira.faults.add({ match: { method: 'PUT' }, status: 429, retryAfter: 1, times: 1 });
    const lost = new Error('lease lost');
    const former = new JiraClient(jira.tenant(), { sleep: async () => {}, beforeRetry: () => Promise.reject(lost) });
    await expect(former.editIssue('FLAG-1', { fields: { summary: 'Renamed by a former owner' } })).rejects.toBe(lost);
    expect(jira.requests.map((r) => r.status)).toEqual([429]);
    expect(jira.issue('FLAG-1')?.summary).toBe('Renamed by the owner');
  });

  it('honours Retry-After given as an HTTP date on a 503, even for a create (nothing was done)', async () => {
    jira.faults.add({ match: { method: 'POST', path: '/rest/api/3/issue' }, status: 503, retryAfter: 3, retryAfterAsDate: true, times: 1 });
    const ref = await client().createIssue(newIssue('After 503'));
    expect(sleeps).toHaveLength(1);
    expect(sleeps[0]).toBeGreaterThanOrEqual(1000); // an HTTP date has one-second precision
    expect(jira.issues().filter((i) => i.summary === 'After 503')).toHaveLength(1);
    expect(ref.key).toMatch(/^FLAG-\d+$/);
  });

  it('retries 500s with growing jittered backoff on a read, then succeeds', async () => {
    jira.faults.add({ match: { method: 'GET' }, status: 500, times: 3 });
    const issue = await client().getIssue('FLAG-1');
    expect(issue?.key).toBe('FLAG-1');
    expect(sleeps).toHaveLength(3);
    // Equal jitter: attempt n waits between half and all of 500 ms * 2^(n-1).
    sleeps.forEach((ms, i) => {
      expect(ms).toBeGreaterThanOrEqual(250 * 2 ** i);
      expect(ms).toBeLessThanOrEqual(500 * 2 ** i);
    });
  });

  it('retries a dropped connection on a search, then succeeds', async () => {
    jira.faults.add({ match: { path: '/rest/api/3/search/jql' }, drop: true, times: 2 });
    const hits = await client().searchJql('project = FLAG');
    expect(hits.length).toBeGreaterThan(0);
    expect(retries.map((r) => r.error.kind)).toEqual(['network', 'network']);
    expect(jira.requests.map((r) => r.status)).toEqual([0, 0, 200]);
  });

  it('times out a slow answer and retries it', async () => {
    jira.faults.add({ match: { method: 'GET' }, delayMs: 1500, times: 1 });
    const started = Date.now();
    const issue = await client({ timeoutMs: 300 }).getIssue('FLAG-1');
    expect(issue?.key).toBe('FLAG-1');
    expect(Date.now() - started).toBeLessThan(1400);
    expect(retries[0]?.error).toMatchObject({ kind: 'timeout', status: 0, retryable: true, ambiguous: true });
    // The slow request still completes inside Jira after the client gave up: wait for it so it cannot leak into later tests.
    await waitFor('the slow request to complete in the double', () => jira.requests.some((r) => r.fault === 'delay'), 5000, 20);
  });

  it('does not repeat a create whose outcome is unknown: throws retryable + ambiguous for the caller to reconcile', async () => {
    jira.faults.add({ match: { method: 'POST', path: '/rest/api/3/issue' }, drop: true, times: 1 });
    const err = (await client().createIssue(newIssue('Maybe created')).catch((e: unknown) => e)) as JiraError;
    expect(err).toBeInstanceOf(JiraError);
    expect(err).toMatchObject({ kind: 'network', retryable: true, ambiguous: true, attempts: 1 });
    expect(jira.requests).toHaveLength(1);
  });

  it('throws the retryable error once attempts are used up', async () => {
    jira.faults.add({ status: 503, retryAfter: 1 });
    const err = (await client({ maxAttempts: 3 }).getIssue('FLAG-1').catch((e: unknown) => e)) as JiraError;
    expect(err).toBeInstanceOf(JiraError);
    expect(err).toMatchObject({ status: 503, retryable: true, retryAfterMs: 1000, attempts: 3 });
    expect(jira.requests).toHaveLength(3);
    expect(sleeps).toHaveLength(2);
  });

  it('hands a very long Retry-After to the caller instead of sleeping on it', async () => {
    jira.faults.add({ status: 429, retryAfter: 3600 });
    const err = (await client().getIssue('FLAG-1').catch((e: unknown) => e)) as JiraError;
    expect(err).toMatchObject({ status: 429, retryable: true, retryAfterMs: 3_600_000 });
    expect(sleeps).toEqual([]);
  });

  it('throws 400 at once with Jira\'s field message', async () => {
    const err = (await client().createIssue({ ...newIssue('x'.repeat(256)) }).catch((e: unknown) => e)) as JiraError;
    expect(err).toMatchObject({ status: 400, retryable: false, fieldErrors: { summary: 'Summary must be less than 255 characters.' } });
    expect(err.message).toContain('Summary must be less than 255 characters.');
    expect(sleeps).toEqual([]);
  });

  it('throws 403 at once when the app may no longer write in the project', async () => {
    jira.setProjectAccess('FLAG', { write: false });
    try {
      const err = (await client().editIssue('FLAG-1', { comment: doc('hello') }).catch((e: unknown) => e)) as JiraError;
      expect(err).toMatchObject({ status: 403, retryable: false });
      expect(err.jiraMessage).toBe('You do not have permission to edit issues in this project.');
      expect(jira.issue('FLAG-1')?.comments).toEqual([]);
    } finally {
      jira.setProjectAccess('FLAG', { write: true });
    }
  });

  it('fails at once for a project that is gone (400 from search) and a missing issue (404)', async () => {
    const err = (await client().searchJql('project = GONE').catch((e: unknown) => e)) as JiraError;
    expect(err).toMatchObject({ status: 400, retryable: false });
    expect(err.jiraMessage).toContain("The value 'GONE' does not exist for the field 'project'.");
    const missing = (await client().editIssue('FLAG-404', { fields: { summary: 'x' } }).catch((e: unknown) => e)) as JiraError;
    expect(missing).toMatchObject({ status: 404, retryable: false });
  });

  it('gets 401 with a wrong shared secret, and never puts the secret or the JWT in the message', async () => {
    const wrong = new JiraClient({ ...jira.tenant(), sharedSecret: 'not-the-secret' }, { sleep: async () => {} });
    const err = (await wrong.getIssue('FLAG-1').catch((e: unknown) => e)) as JiraError;
    expect(err).toMatchObject({ status: 401, retryable: false });
    expect(err.message).toContain('JWT signature is invalid');
    expect(err.message).not.toContain('not-the-secret');
    expect(err.message).not.toContain(jira.sharedSecret);
    expect(err.message).not.toMatch(/eyJ/);
  });

  it('signs relative to a site with a context path', async () => {
    const sub = await startJiraDouble({ appKey: 'appconfig-flags-test', contextPath: '/jira' });
    try {
      const c = new JiraClient(sub.tenant(), { sleep: async () => {} });
      expect(sub.url).toMatch(/\/jira$/);
      expect((await c.getProject('FLAG'))?.key).toBe('FLAG');
      expect(sub.requests[0]).toMatchObject({ path: '/rest/api/3/project/FLAG', status: 200 });
    } finally {
      await sub.close();
    }
  });
});
