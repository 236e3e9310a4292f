import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AdfDoc } from '../../../src/flags/index.js';
import { JiraClient, JiraError } from '../../../src/jira/index.js';
import { startJiraDouble, type JiraDouble } from '../../doubles/jira/index.js';

const doc = (...paragraphs: string[]): AdfDoc => ({
  type: 'doc',
  version: 1,
  content: paragraphs.map((text) => ({ type: 'paragraph', content: [{ type: 'text', text }] })),
});
const flagProperty = (flagKey: string) => ({ key: 'appconfigFlag', value: { accountId: '111122223333', region: 'eu-west-1', applicationId: 'app1', configurationProfileId: 'prof1', flagKey } });

describe('JiraClient against the Jira double over HTTP', () => {
  let jira: JiraDouble;
  let client: JiraClient;

  beforeAll(async () => {
    jira = await startJiraDouble({ appKey: 'appconfig-flags-test' });
    client = new JiraClient(jira.tenant(), { sleep: async () => {} });
  });
  afterAll(() => jira.close());

  it('creates an issue with its description and entity property in one call', async () => {
    const ref = await client.createIssue({
      project: { key: 'FLAG' },
      issueType: { id: '10001' },
      summary: 'Dark mode',
      description: doc('Flag key: darkMode', 'Enabled: true'),
      properties: [flagProperty('darkMode')],
    });
    expect(ref.key).toBe('FLAG-1');
    expect(ref.id).toMatch(/^\d+$/);
    const issue = jira.issue('FLAG-1');
    expect(issue?.summary).toBe('Dark mode');
    expect(issue?.descriptionText).toBe('Flag key: darkMode\nEnabled: true');
    expect(issue?.properties.appconfigFlag).toMatchObject({ flagKey: 'darkMode' });
    expect(jira.requests.filter((r) => r.method === 'POST')).toHaveLength(1);
  });

  it('reads an issue back, with properties on request, and null for a missing one', async () => {
    const issue = await client.getIssue('FLAG-1', { properties: ['appconfigFlag'] });
    expect(issue).toMatchObject({ key: 'FLAG-1', summary: 'Dark mode', issueType: { id: '10001', name: 'Task' }, project: { key: 'FLAG' } });
    expect((issue?.description as AdfDoc | null)?.content).toHaveLength(2);
    expect(issue?.properties.appconfigFlag).toMatchObject({ flagKey: 'darkMode' });
    expect(await client.getIssue('FLAG-999')).toBeNull();
  });

  it('bulk-creates, reporting per-element failures at their input index', async () => {
    const result = await client.bulkCreate([
      { project: { key: 'FLAG' }, issueType: { name: 'Task' }, summary: 'Beta banner', properties: [flagProperty('betaBanner')] },
      { project: { key: 'FLAG' }, issueType: { id: '10001' }, summary: 'line one\nline two' },
      { project: { key: 'NOPE' }, issueType: { id: '10001' }, summary: 'Lost' },
      { project: { key: 'FLAG' }, issueType: { id: '10001' }, summary: 'Checkout v2', properties: [flagProperty('checkoutV2')] },
    ]);
    expect(result.created.map((c) => c?.key)).toEqual(['FLAG-2', undefined, undefined, 'FLAG-3']);
    expect(result.failures.map((f) => f.index)).toEqual([1, 2]);
    expect(result.failures[0]).toMatchObject({ status: 400, errors: { summary: expect.stringContaining('newline') } });
    expect(result.failures[1]?.errors.project).toBeDefined();
    expect(jira.issue('FLAG-3')?.summary).toBe('Checkout v2');
  });

  it('reports a bulk where every element fails as failures, not an exception', async () => {
    const result = await client.bulkCreate([{ project: { key: 'FLAG' }, issueType: { id: '10001' }, summary: '' }]);
    expect(result.created).toEqual([undefined]);
    expect(result.failures[0]?.message).toContain('summary');
  });

  it('refuses more than 50 issues per bulk before calling Jira', async () => {
    const before = jira.requests.length;
    const many = Array.from({ length: 51 }, (_, i) => ({ project: { key: 'FLAG' }, issueType: { id: '10001' }, summary: `n${i}` }));
    await expect(client.bulkCreate(many)).rejects.toThrow(RangeError);
    expect(jira.requests.length).toBe(before);
  });

  it('edits description, adds one comment and sets a property in ONE write', async () => {
    jira.clearRequests();
    await client.editIssue('FLAG-1', {
      fields: { description: doc('Enabled: false') },
      comment: doc('enabled: true → false'),
      properties: [{ key: 'appconfigFlagState', value: { version: 2 } }],
    });
    expect(jira.requests).toHaveLength(1);
    expect(jira.requests[0]).toMatchObject({ method: 'PUT', path: '/rest/api/3/issue/FLAG-1', status: 204 });
    const issue = jira.issue('FLAG-1');
    expect(issue?.descriptionText).toBe('Enabled: false');
    expect(issue?.comments.map((c) => c.text)).toEqual(['enabled: true → false']);
    expect(issue?.properties.appconfigFlagState).toEqual({ version: 2 });
  });

  it('reads and writes single issue properties', async () => {
    expect(await client.getIssueProperty('FLAG-1', 'appconfigFlag')).toMatchObject({ flagKey: 'darkMode' });
    expect(await client.getIssueProperty('FLAG-1', 'nothing-here')).toBeNull();
    await client.setIssueProperty('FLAG-2', 'appconfigFlag', { flagKey: 'betaBanner', note: 'rewritten' });
    expect(jira.issue('FLAG-2')?.properties.appconfigFlag).toEqual({ flagKey: 'betaBanner', note: 'rewritten' });
  });

  it('finds issues by JQL on the entity property, following pages', async () => {
    const hits = await client.searchJql('project = FLAG AND issue.property[appconfigFlag].flagKey = "checkoutV2"');
    expect(hits.map((h) => h.key)).toEqual(['FLAG-3']);
    const withProps = await client.searchJql('project = FLAG ORDER BY key ASC', ['summary'], { properties: ['appconfigFlag'] });
    expect(withProps.map((h) => h.key)).toEqual(['FLAG-1', 'FLAG-2', 'FLAG-3']);
    expect(withProps[0]?.fields.summary).toBe('Dark mode');
    expect(withProps[2]?.properties.appconfigFlag).toMatchObject({ flagKey: 'checkoutV2' });

    for (let i = 0; i < 120; i++) jira.store.createIssue(jira.store.findProject('FLAG')!, '10001', `bulk ${i}`, null, [['appconfigFlag', { flagKey: `f${i}` }]]);
    jira.clearRequests();
    const all = await client.searchJql('project = FLAG');
    expect(all).toHaveLength(123);
    expect(new Set(all.map((h) => h.key)).size).toBe(123);
    expect(jira.requests.length).toBeGreaterThan(1); // it followed nextPageToken
  });

  it('tells a Jira admin from a member, and an unknown account is no admin', async () => {
    expect(await client.hasGlobalAdmin(jira.adminAccountId)).toBe(true);
    expect(await client.hasGlobalAdmin(jira.memberAccountId)).toBe(false);
    expect(await client.hasGlobalAdmin('557058:unknown')).toBe(false);
    jira.addUser('557058:new-admin', { admin: true });
    expect(await client.hasGlobalAdmin('557058:new-admin')).toBe(true);
  });

  it('searches projects and reads one with its issue types', async () => {
    jira.addProject({ key: 'OPS', name: 'Operations' });
    expect((await client.searchProjects('')).map((p) => p.key)).toEqual(['FLAG', 'OPS']);
    expect(await client.searchProjects('operat')).toEqual([{ id: expect.any(String), key: 'OPS', name: 'Operations' }]);
    const project = await client.getProject('FLAG');
    expect(project?.issueTypes).toContainEqual({ id: '10001', name: 'Task', subtask: false });
    expect(await client.getProject('GONE')).toBeNull();
  });

  it('recreation case: a deleted issue is a 404 for edits, non-retryable', async () => {
    jira.deleteIssue('FLAG-2');
    const err = await client.editIssue('FLAG-2', { comment: doc('x') }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(JiraError);
    expect(err).toMatchObject({ status: 404, retryable: false });
    expect((err as JiraError).message).toContain('Issue does not exist');
  });
});
