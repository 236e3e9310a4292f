/**
 * The durable side of environments: environment_states, version_flag_values and flag_panels (migration
 * 0005). Every write holds the association (holdAssociation), so nothing is written for one that a
 * removal or an uninstall is deleting.
 */
import { QueryTypes, type Transaction } from 'sequelize';
import type { Db } from './database.js';
import type { Models } from './models.js';
import { holdAssociation } from './associations.js';
import type { DeployedVersion, EnvironmentState } from '../environments/deployments.js';

export interface FlagPanelRow {
  flagKey: string;
  panelDocument: string | null;
  sequenceId: number;
  submittedSequenceId: number | null;
  flagState: string | null;
  /** The issue the value was last written to, and that value (flagStateWrittenMark). */
  flagStateWritten: string | null;
}

/** What flag_state_written holds: the issue the appconfigFlagState value was written to, and the value. */
export const flagStateWrittenMark = (issueId: string, flagState: string): string => `${issueId} ${flagState}`;
const issueOfMark = (mark: string): string => mark.slice(0, mark.indexOf(' '));

type Row = Record<string, unknown>;
const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
const str = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

function deployedFrom(version: unknown, number: unknown, at: unknown): DeployedVersion | null {
  const n = num(number);
  return n === null ? null : { version: str(version), deploymentNumber: n, at: String(at) };
}

function environmentFrom(r: Row): EnvironmentState {
  return {
    environmentId: String(r.environment_id),
    environmentName: String(r.environment_name),
    deployed: deployedFrom(r.deployed_version, r.deployed_number, r.deployed_at),
    previous: deployedFrom(r.previous_version, r.previous_number, r.previous_at),
    deploying: deployedFrom(r.deploying_version, r.deploying_number, r.deploying_since),
    settledNumber: Number(r.settled_number),
    revertedNumber: num(r.reverted_number),
    updatedAt: String(r.updated_at),
  };
}

export class EnvironmentStore {
  constructor(
    private readonly db: Db,
    private readonly models: Models,
    readonly associationId: string,
  ) {}

  private select(sql: string, bind: unknown[], transaction?: Transaction): Promise<Row[]> {
    return this.db.sequelize.query<Row>(sql, { bind, type: QueryTypes.SELECT, transaction });
  }

  private write(fn: (t: Transaction) => Promise<void>): Promise<void> {
    return this.db.transaction(async (t) => {
      await holdAssociation(this.db, this.models, this.associationId, t);
      await fn(t);
    });
  }

  async environments(): Promise<EnvironmentState[]> {
    const rows = await this.select('SELECT * FROM environment_states WHERE association_id = $1', [this.associationId]);
    return rows.map(environmentFrom);
  }

  async environment(environmentId: string): Promise<EnvironmentState | undefined> {
    const rows = await this.select('SELECT * FROM environment_states WHERE association_id = $1 AND environment_id = $2', [this.associationId, environmentId]);
    return rows[0] ? environmentFrom(rows[0]) : undefined;
  }

  /**
   * What a worker round observed, in one transaction: environments whose state changed, and saved
   * versions' flag values (recorded once: a redelivery or a retry keeps the first).
   */
  saveObservations(environments: readonly EnvironmentState[], versions: ReadonlyMap<string, Readonly<Record<string, boolean>>>): Promise<void> {
    if (environments.length === 0 && versions.size === 0) return Promise.resolve();
    return this.write(async (transaction) => {
      for (const s of environments) await this.saveEnvironment(s, transaction);
      for (const [version, values] of versions) {
        await this.db.sequelize.query(
          `INSERT INTO version_flag_values (association_id, version, flag_values, created_at) VALUES ($1, $2, $3, $4)
           ON CONFLICT (association_id, version) DO NOTHING`,
          { bind: [this.associationId, version, JSON.stringify(values), new Date()], transaction },
        );
      }
    });
  }

  private async saveEnvironment(s: EnvironmentState, transaction: Transaction): Promise<void> {
    const cols = [
      s.environmentName,
      s.deployed?.version ?? null, s.deployed?.deploymentNumber ?? null, s.deployed?.at ?? null,
      s.previous?.version ?? null, s.previous?.deploymentNumber ?? null, s.previous?.at ?? null,
      s.deploying?.version ?? null, s.deploying?.deploymentNumber ?? null, s.deploying?.at ?? null,
      s.settledNumber, s.revertedNumber, s.updatedAt,
    ];
    await this.db.sequelize.query(
      `INSERT INTO environment_states (association_id, environment_id, environment_name,
         deployed_version, deployed_number, deployed_at, previous_version, previous_number, previous_at,
         deploying_version, deploying_number, deploying_since, settled_number, reverted_number, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
       ON CONFLICT (association_id, environment_id) DO UPDATE SET
         environment_name = excluded.environment_name,
         deployed_version = excluded.deployed_version, deployed_number = excluded.deployed_number, deployed_at = excluded.deployed_at,
         previous_version = excluded.previous_version, previous_number = excluded.previous_number, previous_at = excluded.previous_at,
         deploying_version = excluded.deploying_version, deploying_number = excluded.deploying_number, deploying_since = excluded.deploying_since,
         settled_number = excluded.settled_number, reverted_number = excluded.reverted_number, updated_at = excluded.updated_at`,
      { bind: [this.associationId, s.environmentId, ...cols], transaction },
    );
  }

  async versionValues(versions: readonly string[]): Promise<Map<string, Record<string, boolean>>> {
    const out = new Map<string, Record<string, boolean>>();
    if (versions.length === 0) return out;
    const list = versions.map((_, i) => `$${i + 2}`).join(', ');
    const rows = await this.select(`SELECT version, flag_values FROM version_flag_values WHERE association_id = $1 AND version IN (${list})`, [this.associationId, ...versions]);
    for (const r of rows) out.set(String(r.version), JSON.parse(String(r.flag_values)) as Record<string, boolean>);
    return out;
  }

  async panels(): Promise<Map<string, FlagPanelRow>> {
    const rows = await this.select('SELECT * FROM flag_panels WHERE association_id = $1', [this.associationId]);
    return new Map(
      rows.map((r) => [
        String(r.flag_key),
        {
          flagKey: String(r.flag_key),
          panelDocument: str(r.panel_document),
          sequenceId: Number(r.sequence_id),
          submittedSequenceId: num(r.submitted_sequence_id),
          flagState: str(r.flag_state),
          flagStateWritten: str(r.flag_state_written),
        },
      ]),
    );
  }

  /** Records what changed (new panel documents with their sequence ids, new property values) at once. */
  savePanelChanges(changes: { flagKey: string; panelDocument?: string; sequenceId?: number; flagState?: string }[]): Promise<void> {
    if (changes.length === 0) return Promise.resolve();
    return this.write(async (transaction) => {
      for (const c of changes) {
        await this.db.sequelize.query(
          `INSERT INTO flag_panels (association_id, flag_key, panel_document, sequence_id, flag_state, updated_at)
           VALUES ($1, $2, $3, $4, $5, $6)
           ON CONFLICT (association_id, flag_key) DO UPDATE SET
             panel_document = COALESCE($3, flag_panels.panel_document),
             sequence_id = CASE WHEN $3 IS NULL THEN flag_panels.sequence_id ELSE $4 END,
             flag_state = COALESCE($5, flag_panels.flag_state),
             updated_at = $6`,
          { bind: [this.associationId, c.flagKey, c.panelDocument ?? null, c.sequenceId ?? 0, c.flagState ?? null, new Date()], transaction },
        );
      }
    });
  }

  /** Jira answered for these flags at these sequence ids (never moves backwards). */
  markSubmitted(sent: { flagKey: string; sequenceId: number }[]): Promise<void> {
    if (sent.length === 0) return Promise.resolve();
    return this.write(async (transaction) => {
      for (const s of sent) {
        await this.db.sequelize.query(
          `UPDATE flag_panels SET submitted_sequence_id = $3
            WHERE association_id = $1 AND flag_key = $2 AND (submitted_sequence_id IS NULL OR submitted_sequence_id < $3)`,
          { bind: [this.associationId, s.flagKey, s.sequenceId], transaction },
        );
      }
    });
  }

  /**
   * Every issue that may hold this association's appconfigFlagState: those it was written to, and every
   * flag's issue now (a write under way may land on one not yet marked).
   */
  async stateIssueIds(): Promise<string[]> {
    const marked = await this.select('SELECT flag_state_written FROM flag_panels WHERE association_id = $1 AND flag_state_written IS NOT NULL', [this.associationId]);
    const flags = await this.select('SELECT issue_id FROM flag_states WHERE association_id = $1 AND issue_id IS NOT NULL', [this.associationId]);
    return [...new Set([...marked.map((r) => issueOfMark(String(r.flag_state_written))), ...flags.map((r) => String(r.issue_id))])];
  }

  /** Jira no longer holds what was published (a removal stopped part-way): every flag and value is due again. */
  forgetPublished(): Promise<void> {
    return this.write(async (transaction) => {
      await this.db.sequelize.query('UPDATE flag_panels SET submitted_sequence_id = NULL, flag_state_written = NULL WHERE association_id = $1', {
        bind: [this.associationId],
        transaction,
      });
    });
  }

  /** The flag's issue now holds its appconfigFlagState value (`written` says which issue and value). */
  markFlagStateWritten(written: { flagKey: string; written: string }[]): Promise<void> {
    if (written.length === 0) return Promise.resolve();
    return this.write(async (transaction) => {
      for (const w of written) {
        await this.db.sequelize.query('UPDATE flag_panels SET flag_state_written = $3 WHERE association_id = $1 AND flag_key = $2', {
          bind: [this.associationId, w.flagKey, w.written],
          transaction,
        });
      }
    });
  }
}

/** What an association has put in Jira beside its issues. */
export interface JiraFootprint {
  /** Flags in the Releases panel; false: nothing of the association is in Jira beside its issues. */
  inPanel: boolean;
  /** Every issue that may hold the association's appconfigFlagState. */
  stateIssueIds: string[];
}

/**
 * What the site's association has put in Jira beside its issues, which its removal takes out: whether
 * it has flags in the Releases panel, and the issues holding its appconfigFlagState (another site's id:
 * nothing).
 */
export async function jiraFootprint(db: Db, models: Models, clientKey: string, associationId: string): Promise<JiraFootprint> {
  const association = await models.Association.findOne({ where: { id: associationId, clientKey }, attributes: ['id'] });
  if (!association) return { inPanel: false, stateIssueIds: [] };
  // No flag_panels row: no deployment reached an environment, so nothing went to the panel or the property.
  const rows = await db.sequelize.query('SELECT 1 AS one FROM flag_panels WHERE association_id = $1 LIMIT 1', { bind: [associationId], type: QueryTypes.SELECT });
  if (rows.length === 0) return { inPanel: false, stateIssueIds: [] };
  return { inPanel: true, stateIssueIds: await new EnvironmentStore(db, models, associationId).stateIssueIds() };
}
