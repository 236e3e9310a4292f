/**
 * Reads and writes of flag_states, the worker's memory of each flag and its issue. Plain SQL through
 * raw-sql.ts, every value bound: a first sync writes every flag's row two or three times, and the model
 * layer cost several times the statements (an instance per row, a captured stack and replacement parsing
 * per query, and on SQLite values inlined into the SQL text). Rows come back as plain objects holding
 * only the columns the worker reads.
 */
import { Op } from 'sequelize';
import type { Db } from './database.js';
import type { AssociationRow, FlagStateAttrs, FlagStateRow, Models } from './models.js';
import type { Flag } from '../flags/index.js';
import { AssociationGone } from './associations.js';
import { placeholders } from './raw-sql.js';

/** What the worker knows of one flag: its row, as plain values (`state` is null before its first write). */
export type FlagState = Omit<FlagStateAttrs, 'associationId' | 'updatedAt'>;

/** Columns to set on one flag's row; those left undefined are kept (or take their default on a new row). */
export type FlagStateWrite = { flagKey: string } & FlagStateValues;

/** The columns a write may set. */
export type FlagStateValues = Partial<Pick<FlagState, 'pendingWrite' | 'lastWrite' | 'deleted' | 'issueId' | 'issueKey' | 'state'>>;

const COLUMNS: Record<keyof FlagStateValues, { name: string; type: string }> = {
  pendingWrite: { name: 'pending_write', type: 'text' },
  lastWrite: { name: 'last_write', type: 'text' },
  deleted: { name: 'deleted', type: 'boolean' },
  issueId: { name: 'issue_id', type: 'text' },
  issueKey: { name: 'issue_key', type: 'text' },
  state: { name: 'state', type: 'text' },
};

interface FlagStateDbRow {
  flag_key: string;
  issue_id: string | null;
  issue_key: string | null;
  state: string | null;
  deleted: boolean | number;
  pending_write: string | null;
  last_write: string | null;
}

const SELECT = 'SELECT flag_key, issue_id, issue_key, state, deleted, pending_write, last_write FROM flag_states';

const fromDb = (r: FlagStateDbRow): FlagState => ({
  flagKey: r.flag_key,
  issueId: r.issue_id,
  issueKey: r.issue_key,
  state: r.state,
  deleted: Boolean(r.deleted),
  pendingWrite: r.pending_write,
  lastWrite: r.last_write,
});

/** Rows per statement: well under either database's limit on bound values (8 a row at most). */
const ROWS_PER_STATEMENT = 500;

export class FlagStates {
  constructor(
    private readonly db: Db,
    readonly associationId: string,
  ) {}

  /**
   * Inserts or updates the rows (each flag once), setting `columns` from each row's values, in
   * statements of at most ROWS_PER_STATEMENT rows, each inserting only while the association exists: on
   * PostgreSQL its row is key-share-locked, so a removal or an uninstall racing it waits and then deletes
   * these rows too. Throws AssociationGone when it was removed.
   */
  private async write(rows: { flagKey: string; values: FlagStateValues }[], columns: (keyof FlagStateValues)[]): Promise<void> {
    if (rows.length === 0) return;
    const postgres = this.db.dialect === 'postgres';
    // PostgreSQL infers no types for parameters in VALUES or a SELECT list: they are stated.
    const p = (n: number, type: string) => (postgres ? `$${n}::${type}` : `$${n}`);
    const names = columns.map((c) => COLUMNS[c].name);
    const now = new Date();
    for (let from = 0; from < rows.length; from += ROWS_PER_STATEMENT) {
      const chunk = rows.slice(from, from + ROWS_PER_STATEMENT);
      // $1 the association, $2 the time; then per row its flag key and its columns.
      const params: unknown[] = [this.associationId, now];
      const tuples = chunk.map((row) => {
        const at = params.length + 1;
        params.push(row.flagKey);
        for (const c of columns) params.push(row.values[c] ?? null);
        return `(${p(1, 'text')}, ${p(at, 'text')}, ${columns.map((c, i) => p(at + 1 + i, COLUMNS[c].type)).join(', ')}${columns.length ? ', ' : ''}${p(2, 'timestamptz')})`;
      });
      const updates = [...names, 'updated_at'].map((n) => `${n} = excluded.${n}`).join(', ');
      const written = await this.db.rawWrite(
        `INSERT INTO flag_states (association_id, flag_key, ${names.map((n) => `${n}, `).join('')}updated_at)
         SELECT * FROM (VALUES ${tuples.join(', ')}) AS v
          WHERE EXISTS (SELECT 1 FROM associations a WHERE a.id = ${p(1, 'text')}${postgres ? ' FOR KEY SHARE' : ''})
         ON CONFLICT (association_id, flag_key) DO UPDATE SET ${updates}
         RETURNING flag_key`,
        params,
      );
      if (written.length === 0) {
        const [association] = await this.db.rawRead('SELECT id FROM associations WHERE id = $1', [this.associationId]);
        if (!association) throw new AssociationGone(this.associationId);
      }
    }
  }

  /** These flags' rows (every row of the association when none are named), one statement per ROWS_PER_STATEMENT flags. */
  async rows(flagKeys?: readonly string[]): Promise<Map<string, FlagState>> {
    const out = new Map<string, FlagState>();
    if (flagKeys === undefined) {
      for (const r of await this.db.rawRead<FlagStateDbRow>(`${SELECT} WHERE association_id = $1`, [this.associationId])) out.set(r.flag_key, fromDb(r));
      return out;
    }
    for (let from = 0; from < flagKeys.length; from += ROWS_PER_STATEMENT) {
      const keys = flagKeys.slice(from, from + ROWS_PER_STATEMENT);
      const rows = await this.db.rawRead<FlagStateDbRow>(`${SELECT} WHERE association_id = $1 AND flag_key IN (${placeholders(2, keys.length)})`, [
        this.associationId,
        ...keys,
      ]);
      for (const r of rows) out.set(r.flag_key, fromDb(r));
    }
    return out;
  }

  /**
   * Sets columns per flag (creating rows that do not exist yet): one statement per ROWS_PER_STATEMENT
   * flags that set the same columns. The worker's intents before a batch of Jira writes, and their
   * outcomes after; nothing is written once the association is gone (AssociationGone).
   */
  async writeMany(entries: readonly FlagStateWrite[]): Promise<void> {
    // A statement may set a row once: a flag named twice with the same columns keeps its last values.
    const groups = new Map<string, { columns: (keyof FlagStateValues)[]; rows: Map<string, FlagStateValues> }>();
    for (const { flagKey, ...values } of entries) {
      const columns = (Object.keys(values) as (keyof FlagStateValues)[]).filter((k) => values[k] !== undefined).sort();
      const signature = columns.join(',');
      const group = groups.get(signature) ?? { columns, rows: new Map() };
      group.rows.set(flagKey, values);
      groups.set(signature, group);
    }
    for (const { columns, rows } of groups.values()) await this.write([...rows].map(([flagKey, values]) => ({ flagKey, values })), columns);
  }
}

export function lastFlag(row: Pick<FlagState, 'state'> | null | undefined): Flag | undefined {
  return row?.state ? (JSON.parse(row.state) as Flag) : undefined;
}

/**
 * The tracked flag behind one issue, looked up within one tenant's associations only (so another
 * tenant's issue is never found), with the association it belongs to.
 */
export async function trackedFlagOfIssue(
  models: Models,
  tenantKey: string,
  issue: { id?: string; key?: string },
): Promise<{ association: AssociationRow; row: FlagStateRow } | null> {
  if (!issue.id && !issue.key) return null;
  const associations = await models.Association.findAll({ where: { clientKey: tenantKey } });
  if (associations.length === 0) return null;
  const byIssue = issue.id ? { issueId: issue.id } : { issueKey: issue.key! };
  const row = await models.FlagState.findOne({ where: { associationId: { [Op.in]: associations.map((a) => a.id) }, ...byIssue } });
  const association = row && associations.find((a) => a.id === row.associationId);
  return row && association ? { association, row } : null;
}
