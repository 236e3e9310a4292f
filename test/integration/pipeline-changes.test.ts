/**
 * Many kinds of change at once (a rename, a new description, enabled, a changed constraint, an added
 * attribute, variants, a planned deprecation), made to one flag in one saved version: still ONE write, which
 * renames the issue, refreshes the description and adds one comment listing each change, old → new.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseKinds } from '../support/databases.js';
import { startHarness, type Harness } from '../support/harness.js';
import { preCreateEvent } from '../support/events.js';
import { flagsV2 } from '../support/fixtures.js';
import { issuesByFlag, successfulWrites, waitIdle } from '../support/pipeline-kit.js';
import { adfProblem } from '../doubles/jira/adf.js';

describe.each(databaseKinds)('every kind of change in one write (%s)', (kind) => {
  let h: Harness;
  let associationId: string;

  beforeAll(async () => {
    h = await startHarness({ db: kind });
    associationId = (await h.associate()).id;
    await send(preCreateEvent(h, flagsV2(), 1));
    expect(issuesByFlag(h.jira).size).toBe(3);
  });
  afterAll(async () => {
    await h?.close();
  });

  async function send(event: Record<string, unknown>) {
    const res = await h.sendEvent(associationId, event);
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    await waitIdle(h.service.db);
  }

  it('every kind of change to one flag: still ONE write, the summary follows a rename, one comment lists them all', async () => {
    const doc = flagsV2() as { flags: Record<string, Record<string, unknown>>; values: Record<string, Record<string, unknown>> };
    // search_ranking: renamed (unicode), new description, flag off→on, a constraint changed, an attribute
    // added, variants added, deprecation planned.
    doc.flags.search_ranking = {
      name: 'Suchranking – Modell ✓',
      description: 'Ranks search results',
      _deprecation: { status: 'planned', date: '2028-06-30' },
      attributes: {
        model: { constraints: { type: 'string', enum: ['bm25', 'neural', 'hybrid'] } },
        boost: { description: 'Boost factor', constraints: { type: 'number', minimum: 0, maximum: 5 } },
      },
    };
    doc.values.search_ranking = {
      enabled: true,
      model: 'bm25',
      boost: 2,
      _variants: [
        { name: 'Gold tier', enabled: true, rule: '(eq $tier "gold")', attributeValues: { model: 'neural', boost: 4 } },
        { name: 'Default', enabled: true },
      ],
    };
    const key = issuesByFlag(h.jira).get('search_ranking')!.key;
    const commentsBefore = h.jira.issue(key)!.comments.length;
    h.jira.clearRequests();
    await send(preCreateEvent(h, doc, 2, { description: 'new ranking' }));

    expect(successfulWrites(h.jira.requests).map((r) => `${r.method} ${r.path}`)).toEqual([`PUT /rest/api/3/issue/${key}`]);
    const issue = h.jira.issue(key)!;
    expect(issue.summary).toBe('Suchranking – Modell ✓');
    expect(issue.comments).toHaveLength(commentsBefore + 1);
    const c = issue.comments.at(-1)!.text;
    for (const text of [
      'Flag turned on (enabled: false → true)',
      'Name: “Search ranking model” → “Suchranking – Modell ✓”',
      'Description added: “Ranks search results”',
      'Attribute boost added: value 2',
      'Constraints of model',
      '["bm25", "neural", "hybrid"]',
      'Variants added',
      'Gold tier',
      'Deprecation planned for 2028-06-30',
      'configuration version 2',
      'new ranking',
    ]) {
      expect(c, `the comment should list ${text}`).toContain(text);
    }
    expect(adfProblem(issue.comments.at(-1)!.body)).toBeUndefined();
    for (const text of ['Suchranking – Modell ✓', 'Ranks search results', 'Variants', 'Gold tier', '(eq $tier "gold")', 'planned for 2028-06-30', 'Boost factor']) {
      expect(issue.descriptionText, `the description should show ${text}`).toContain(text);
    }
    expect(adfProblem(issue.description)).toBeUndefined();
  });
});
