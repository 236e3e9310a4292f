/**
 * Finding the issues of a create whose answer was lost, without trusting Jira's search index.
 *
 * Jira Cloud indexes asynchronously, and its index can lag by minutes: a search right after a lost
 * create may find nothing although the issues exist, and creating them again would give a flag two
 * issues. Issue keys, though, are numbered in order within a project. So before a create the worker
 * notes the highest issue number it knows in the project (the create's "floor"), and after a lost
 * answer it reads the issues numbered above the floor by key (Jira's bulk fetch reads its store, not
 * the index), 100 at a time, keeping those whose `appconfigFlag` property names a wanted flag of this
 * association. It stops when every wanted flag is found, or at a run of 100 numbers with no issue at
 * all (past the project's newest issue). The index is searched as well, for intents saved without a
 * floor; anything either finds is adopted.
 */
import type { AssociationRow } from '../db/models.js';
import { BULK_FETCH_MAX, issueNumber, newestIssueNumber, type JiraClient } from '../jira/index.js';
import { associationJql, FLAG_PROPERTY, type FlagProperty } from './flag-issue.js';

export interface IssueRef {
  id: string;
  key: string;
}

function ownFlagKey(association: AssociationRow, property: unknown): string | undefined {
  const p = property as Partial<FlagProperty> | undefined;
  if (!p || p.accountId !== association.accountId || p.region !== association.region || p.applicationId !== association.applicationId) return undefined;
  if (p.configurationProfileId !== association.configurationProfileId) return undefined;
  return typeof p.flagKey === 'string' ? p.flagKey : undefined;
}

export class LostCreates {
  constructor(
    private readonly jira: JiraClient,
    private readonly association: AssociationRow,
  ) {}

  /**
   * The highest issue number of the project that surely existed before a create made now: the
   * highest this association knows (its issues, and the project's newest issue when the association
   * was saved), else the newest the index shows now (asked only for an association saved before that
   * number was noted, and only until it knows an issue of its own).
   */
  async floor(knownIssueKeys: Iterable<string | null>): Promise<number> {
    const project = this.association.projectKey;
    let floor = this.association.issueFloor ?? -1;
    for (const key of knownIssueKeys) floor = Math.max(floor, issueNumber(project, key) ?? -1);
    if (floor >= 0) return floor;
    return newestIssueNumber(this.jira, project);
  }

  /** flagKey → issue for each wanted flag an earlier create made; `floor` as noted before that create. */
  async find(wanted: readonly string[], floor: number | undefined): Promise<Map<string, IssueRef>> {
    const want = new Set(wanted);
    const found = new Map<string, IssueRef>();
    if (floor !== undefined) await this.readAbove(floor, want, found);
    if (found.size < want.size) await this.searchIndex(want, found);
    return found;
  }

  private async readAbove(floor: number, want: Set<string>, found: Map<string, IssueRef>): Promise<void> {
    const project = this.association.projectKey;
    for (let from = floor + 1; found.size < want.size; from += BULK_FETCH_MAX) {
      const keys = Array.from({ length: BULK_FETCH_MAX }, (_, i) => `${project}-${from + i}`);
      const issues = await this.jira.bulkFetch(keys, { properties: [FLAG_PROPERTY] });
      if (issues.length === 0) return;
      for (const issue of issues) {
        const flagKey = ownFlagKey(this.association, issue.properties[FLAG_PROPERTY]);
        if (flagKey && want.has(flagKey) && !found.has(flagKey)) found.set(flagKey, { id: issue.id, key: issue.key });
      }
    }
  }

  private async searchIndex(want: Set<string>, found: Map<string, IssueRef>): Promise<void> {
    const hits = await this.jira.searchJql(associationJql(this.association), [], { properties: [FLAG_PROPERTY] });
    for (const hit of hits) {
      const flagKey = ownFlagKey(this.association, hit.properties[FLAG_PROPERTY]);
      if (flagKey && want.has(flagKey) && !found.has(flagKey)) found.set(flagKey, { id: hit.id, key: hit.key });
    }
  }
}
