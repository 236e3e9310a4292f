/** The IAM policy the README hands the AWS admin is the app's own list of actions, statement by statement. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BACKFILL_ACTIONS, REQUIRED_ACTIONS } from '../../../src/aws/index.js';
import { projectRoot } from '../../../src/paths.js';

interface Statement {
  Sid: string;
  Effect: string;
  Action: string[];
}

function readmePolicy(): Statement[] {
  const readme = readFileSync(`${projectRoot}/README.md`, 'utf8');
  const block = [...readme.matchAll(/```json\n([\s\S]*?)```/g)].map((m) => m[1]!).find((b) => b.includes('"FindApplicationAndProfile"'));
  if (!block) throw new Error('the README has no IAM policy for the admin');
  return (JSON.parse(block) as { Statement: Statement[] }).Statement;
}

describe("the README's IAM policy for the admin's keys", () => {
  const statements = readmePolicy();
  const actionsOf = (sids: (sid: string) => boolean) => statements.filter((s) => sids(s.Sid)).flatMap((s) => s.Action);

  it('grants exactly the actions the app calls, the backfill ones in the optional statement', () => {
    expect(statements.every((s) => s.Effect === 'Allow')).toBe(true);
    expect(actionsOf((sid) => !sid.startsWith('Optional')).sort()).toEqual([...REQUIRED_ACTIONS].sort());
    expect(actionsOf((sid) => sid.startsWith('Optional')).sort()).toEqual([...BACKFILL_ACTIONS].sort());
  });
});
