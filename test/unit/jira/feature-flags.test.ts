import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JiraClient, JiraError } from '../../../src/jira/index.js';
import type { JiraFeatureFlag } from '../../../src/flags/render/feature-flag.js';
import { startJiraDouble, type JiraDouble } from '../../doubles/jira/index.js';

const URL = 'https://eu-west-1.console.aws.amazon.com/appconfig/home?region=eu-west-1#/applications/a/configurationprofiles/p';
const flag = (id: string, seq: number, enabledInProd: boolean, issues = ['FLAG-1']): JiraFeatureFlag => ({
  schemaVersion: '1.0',
  id,
  key: id.split('.')[1] ?? id,
  updateSequenceId: seq,
  displayName: `Flag ${id}`,
  associations: [{ associationType: 'issueIdOrKeys', values: issues }],
  summary: { url: URL, status: { enabled: true }, lastUpdated: '2026-01-01T00:00:00.000Z' },
  details: [{ url: URL, lastUpdated: '2026-01-01T00:00:00.000Z', environment: { name: 'production', type: 'production' }, status: { enabled: enabledInProd } }],
});
const post = (jira: JiraDouble, body: unknown) => {
  // A malformed submission, sent as the app (the client only sends well-formed ones).
  return new JiraClient(jira.tenant(), { sleep: async () => {}, maxAttempts: 1 }).featureFlags.submit({}, [body as JiraFeatureFlag]);
};

describe('JiraFeatureFlags against the Jira double', () => {
  let jira: JiraDouble;
  let client: JiraClient;

  beforeAll(async () => {
    jira = await startJiraDouble({ appKey: 'appconfig-flags-test' });
    client = new JiraClient(jira.tenant(), { sleep: async () => {} });
    for (let i = 0; i < 3; i++) await client.createIssue({ project: { key: 'FLAG' }, issueType: { id: '10001' }, summary: `Issue ${i}` });
  });
  afterAll(() => jira.close());

  it('submits whole flags; a newer updateSequenceId replaces, an older or equal one is ignored yet accepted', async () => {
    const props = { appconfigAssociation: 'a1' };
    expect(await client.featureFlags.submit(props, [flag('a1.x', 10, false)])).toEqual({ accepted: ['a1.x'], failed: [], unknownIssueKeys: [] });
    await client.featureFlags.submit(props, [flag('a1.x', 20, true)]);
    expect(jira.featureFlags.flags.get('a1.x')?.flag.details).toEqual([expect.objectContaining({ status: { enabled: true } })]);
    expect(await client.featureFlags.submit(props, [flag('a1.x', 15, false)])).toMatchObject({ accepted: ['a1.x'] });
    expect(await client.featureFlags.submit(props, [flag('a1.x', 20, false)])).toMatchObject({ accepted: ['a1.x'] });
    expect(jira.featureFlags.staleIgnored).toBe(2);
    expect(jira.featureFlags.flags.get('a1.x')?.flag.updateSequenceId).toBe(20);
    expect(jira.featureFlags.flags.get('a1.x')?.flag.details[0]).toMatchObject({ status: { enabled: true } });
  });

  it('filters unknown issue keys and reports them; a flag with only unknown keys is not stored', async () => {
    const result = await client.featureFlags.submit({ appconfigAssociation: 'a1' }, [flag('a1.y', 1, true, ['FLAG-2', 'NOPE-9']), flag('a1.z', 1, true, ['NOPE-1'])]);
    expect(result).toEqual({ accepted: ['a1.y'], failed: [], unknownIssueKeys: ['NOPE-9', 'NOPE-1'] });
    expect(jira.featureFlags.flags.get('a1.y')?.flag.associations).toEqual([{ associationType: 'issueIdOrKeys', values: ['FLAG-2'] }]);
    expect(jira.featureFlags.flags.has('a1.z')).toBe(false);
  });

  it('reports the flags Jira refuses', async () => {
    jira.featureFlags.refuse.set('a1.bad', 'The flag is too large.');
    const result = await client.featureFlags.submit({}, [flag('a1.bad', 1, true), flag('a1.ok', 1, true)]);
    expect(result.failed).toEqual([{ id: 'a1.bad', messages: ['The flag is too large.'] }]);
    expect(result.accepted).toEqual(['a1.ok']);
  });

  it('the double refuses malformed flags with a 400 naming the field', async () => {
    const cases: [unknown, RegExp][] = [
      [{ ...flag('a.q', 1, true), schemaVersion: '2.0' }, /schemaVersion/],
      [{ ...flag('a.q', 1, true), details: [] }, /details must list at least one/],
      [{ ...flag('a.q', 1, true), updateSequenceId: 1.5 }, /updateSequenceId/],
      [{ ...flag('a.q', 1, true), extra: 1 }, /unknown field 'extra'/],
      [{ ...flag('a.q', 1, true), associations: [{ associationType: 'issueKeys', values: ['FLAG-1'] }] }, /deprecated/],
      [{ ...flag('a.q', 1, true), details: [{ ...flag('a.q', 1, true).details[0], environment: { name: 'x', type: 'prod' } }] }, /environment\.type/],
      [{ ...flag('a.q', 1, true), details: [{ ...flag('a.q', 1, true).details[0], lastUpdated: 'yesterday' }] }, /RFC 3339/],
      [{ ...flag('a.q', 1, true), details: [{ ...flag('a.q', 1, true).details[0], status: { enabled: true, rollout: { text: 'a', percentage: 5 } } }] }, /exactly one/],
      [{ ...flag('a.q', 1, true), displayName: 'n'.repeat(256) }, /displayName/],
    ];
    for (const [body, message] of cases) {
      const err = await post(jira, body).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(JiraError);
      expect((err as JiraError).status).toBe(400);
      expect((err as JiraError).jiraMessage).toMatch(message);
    }
    expect(jira.featureFlags.flags.has('a.q')).toBe(false);
  });

  it('takes at most 100 flags a call', async () => {
    await expect(client.featureFlags.submit({}, Array.from({ length: 101 }, (_, i) => flag(`a.f${i}`, 1, true)))).rejects.toThrow(RangeError);
  });

  it('deletes by properties only the flags carrying them', async () => {
    await client.featureFlags.submit({ appconfigAssociation: 'a2' }, [flag('a2.x', 1, true)]);
    await client.featureFlags.deleteByProperties({ appconfigAssociation: 'a1' });
    // a1.ok was submitted without properties: no property deletion reaches it.
    expect([...jira.featureFlags.flags.keys()]).toEqual(['a1.ok', 'a2.x']);
  });

  it('sets a property on many issues in one call (303 to its task is success), searchable in JQL per element of the array', async () => {
    const issues = jira.issues();
    await client.featureFlags.setIssuePropertyBulk(
      'appconfigFlagState',
      issues.map((i, n) => ({ issueId: i.id, value: { enabledIn: n === 0 ? ['production'] : [], disabledIn: [], deployedVersion: {} } })),
    );
    expect(jira.issue(issues[0]!.key)?.properties.appconfigFlagState).toEqual({ enabledIn: ['production'], disabledIn: [], deployedVersion: {} });
    expect(jira.featureFlags.propertyTasks).toEqual([{ issues: 3 }]);
    const hits = await client.searchJql('issue.property[appconfigFlagState].enabledIn = production');
    expect(hits.map((h) => h.key)).toEqual([issues[0]!.key]);
    const call = jira.requests.filter((r) => r.path === '/rest/api/3/issue/properties/multi');
    expect(call.map((r) => r.status)).toEqual([303]);
  });
});
