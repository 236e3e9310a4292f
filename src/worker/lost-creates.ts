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
import { BULK_FETCH_MAX, issueNumber, JiraError, newestIssueNumber, type JiraClient } from '../jira/index.js';
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

/** Where a create went: its project, and the highest issue number there known before it. */
export interface CreateFloor {
  project: string;
  number: number;
}

export class LostCreates {
  constructor(
    private readonly jira: JiraClient,
    private readonly association: AssociationRow,
  ) {}

  /**
   * The floor of a create made now, in the association's project: the highest issue number it
   * knows there (its issues, and the project's newest issue when the association was saved), else the
   * newest the index shows now (asked only for an association saved before that number was noted, and
   * only until it knows an issue of its own).
   */
  async floor(knownIssueKeys: Iterable<string | null>): Promise<CreateFloor> {
    const project = this.association.projectKey;
    let floor = this.association.issueFloor ?? -1;
    for (const key of knownIssueKeys) floor = Math.max(floor, issueNumber(project, key) ?? -1);
    return { project, number: floor >= 0 ? floor : await newestIssueNumber(this.jira, project) };
  }

  /**
   * flagKey → issue for each wanted flag an earlier create made. `earlier`: where those creates went,
   * each with its floor when one was noted. Each project is read above the lowest floor noted for it;
   * the index is searched in those projects (and the association's own) for what that did not find.
   */
  async find(wanted: readonly string[], earlier: readonly { project: string; floor?: number }[]): Promise<Map<string, IssueRef>> {
    const want = new Set(wanted);
    const found = new Map<string, IssueRef>();
    const lowest = new Map<string, number>();
    for (const { project, floor } of earlier) if (floor !== undefined) lowest.set(project, Math.min(floor, lowest.get(project) ?? floor));
    for (const [project, floor] of lowest) if (found.size < want.size) await this.readAbove(project, floor, want, found);
    const projects = new Set([this.association.projectKey, ...earlier.map((e) => e.project)]);
    if (found.size < want.size) await this.searchIndex([...projects], want, found);
    return found;
  }

  private async readAbove(project: string, floor: number, want: Set<string>, found: Map<string, IssueRef>): Promise<void> {
    for (let from = floor + 1; found.size < want.size; from += BULK_FETCH_MAX) {
      const keys = Array.from({ length: BULK_FETCH_MAX }, (_, i) => `${project}-${from + i}`);
      const issues = await this.jira.bulkFetch(keys, { properties: [FLAG_PROPERTY] });
      if (issues.length === 0) return;
      this.adopt(issues, want, found);
    }
  }

  private async searchIndex(projects: string[], want: Set<string>, found: Map<string, IssueRef>): Promise<void> {
    for (const project of projects) {
      if (found.size >= want.size) return;
      let hits;
      try {
        hits = await this.jira.searchJql(associationJql(this.association, project), [], { properties: [FLAG_PROPERTY] });
      } catch (err) {
        // A project the association moved away from may be deleted, or hidden from the app now: Jira
        // refuses JQL naming it (400), and nothing of ours can be found there any more.
        if (project !== this.association.projectKey && err instanceof JiraError && err.status === 400) continue;
        throw err;
      }
      this.adopt(hits, want, found);
    }
  }

  private adopt(issues: readonly { id: string; key: string; properties: Record<string, unknown> }[], want: Set<string>, found: Map<string, IssueRef>): void {
    for (const issue of issues) {
      const flagKey = ownFlagKey(this.association, issue.properties[FLAG_PROPERTY]);
      if (flagKey && want.has(flagKey) && !found.has(flagKey)) found.set(flagKey, { id: issue.id, key: issue.key });
    }
  }
}
