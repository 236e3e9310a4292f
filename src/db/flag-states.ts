/** Reads and writes of flag_states, the worker's memory of each flag and its issue. */
import { Op } from 'sequelize';
import type { Db } from './database.js';
import type { AssociationRow, FlagStateRow, Models } from './models.js';
import type { Flag } from '../flags/index.js';
import { holdAssociation } from './associations.js';

export class FlagStates {
  constructor(
    private readonly db: Db,
    private readonly models: Models,
    readonly associationId: string,
  ) {}

  async all(): Promise<Map<string, FlagStateRow>> {
    const rows = await this.models.FlagState.findAll({ where: { associationId: this.associationId } });
    return new Map(rows.map((r) => [r.flagKey, r]));
  }

  async get(flagKey: string): Promise<FlagStateRow | null> {
    return this.models.FlagState.findOne({ where: { associationId: this.associationId, flagKey } });
  }

  /** Set the same columns on several flags at once (creating rows that do not exist yet). */
  upsertMany(
    flagKeys: string[],
    values: Partial<Pick<FlagStateRow, 'pendingWrite' | 'lastWrite' | 'deleted' | 'issueId' | 'issueKey' | 'state'>>,
  ): Promise<void> {
    if (flagKeys.length === 0) return Promise.resolve();
    return this.db.transaction(async (transaction) => {
      await holdAssociation(this.db, this.models, this.associationId, transaction);
      const existing = await this.models.FlagState.findAll({
        where: { associationId: this.associationId, flagKey: { [Op.in]: flagKeys } },
        attributes: ['flagKey'],
        transaction,
      });
      const have = new Set(existing.map((r) => r.flagKey));
      const missing = flagKeys.filter((k) => !have.has(k));
      if (missing.length) {
        await this.models.FlagState.bulkCreate(
          missing.map((flagKey) => ({ associationId: this.associationId, flagKey, ...values })),
          { transaction },
        );
      }
      if (have.size) {
        await this.models.FlagState.update(values, {
          where: { associationId: this.associationId, flagKey: { [Op.in]: [...have] } },
          transaction,
        });
      }
    });
  }

  /** Record that write `writeId` reached the flag's issue, which now reflects `flag` (when given). */
  saved(flagKey: string, writeId: string, flag: Flag | null, issue?: { id: string; key: string }): Promise<void> {
    return this.upsertMany([flagKey], {
      pendingWrite: null,
      lastWrite: writeId,
      ...(flag ? { state: JSON.stringify(flag) } : {}),
      ...(issue ? { issueId: issue.id, issueKey: issue.key } : {}),
    });
  }

  /** Many flags saved at once after a bulk create. */
  savedMany(entries: { flag: Flag; issue: { id: string; key: string }; writeId: string }[]): Promise<void> {
    if (entries.length === 0) return Promise.resolve();
    return this.db.transaction(async (transaction) => {
      for (const { flag, issue, writeId } of entries) {
        await this.models.FlagState.update(
          { pendingWrite: null, lastWrite: writeId, deleted: false, state: JSON.stringify(flag), issueId: issue.id, issueKey: issue.key },
          { where: { associationId: this.associationId, flagKey: flag.key }, transaction },
        );
      }
    });
  }
}

export function lastFlag(row: FlagStateRow | null | undefined): Flag | undefined {
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
