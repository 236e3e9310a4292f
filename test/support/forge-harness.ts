/**
 * Both front doors in one app: the harness's Connect site (h.jira) and a Forge installation on a
 * second Jira site (siteJira), reached through the Forge double as Forge Remote would, with FITs from
 * the double's own key set. AWS holds two feature-flag profiles: the first for Connect, the second for Forge.
 */
import { QueryTypes } from 'sequelize';
import { startForgeDouble, type ForgeDouble, type ForgeInstallation, type RemoteAnswer, type RemoteCallOptions } from '../doubles/forge/index.js';
import { startJiraDouble, type JiraDouble } from '../doubles/jira/index.js';
import { associationForm, startHarness, type Harness, type HarnessOptions } from './harness.js';

/**
 * What a purge keeps, nothing else: an installation's id (so a late Forge call cannot record it again),
 * and a removed association's id and when (so its events are answered 410, not 404).
 */
export const isTombstone = (row: string): boolean =>
  (row.startsWith('forge_installations: ') && row.includes('"api_base_url":""') && row.includes('"system_token_sealed":null') && row.includes('"cloud_id":null')) ||
  /^removed_associations: \{"id":"[^"]+","removed_at_ms":"?\d+"?\}$/.test(row);

export interface ForgeHarness extends Harness {
  forge: ForgeDouble;
  /** The Jira site the Forge installation is on. */
  siteJira: JiraDouble;
  inst: ForgeInstallation;
  /** The Forge installation's profile (profiles[1]). */
  forgeProfile: { id: string; name: string; arn: string };
  /** invokeRemote from the Forge Configure page as `accountId` (default: the site admin). */
  forgeApi(method: string, path: string, body?: unknown, accountId?: string, opts?: RemoteCallOptions): Promise<RemoteAnswer>;
  /** Associate the Forge site's FLAG project with the Forge profile through the API; returns the answer body. */
  forgeAssociate(overrides?: Record<string, unknown>): Promise<Record<string, unknown> & { id: string }>;
  /** Every row of every table, as JSON lines "table: row" (for "nothing of the tenant is left" checks). */
  allRows(): Promise<string[]>;
  /** The rows that mention `id`, but for an uninstalled installation's bare tombstone (its id, no URL, no token). */
  rowsMentioning(id: string): Promise<string[]>;
}

export async function startForgeHarness(opts: HarnessOptions = {}): Promise<ForgeHarness> {
  const forge = await startForgeDouble();
  const h = await startHarness({ ...opts, profiles: 2, forge: { appId: forge.appId, jwksUrl: forge.jwksUrl } });
  const siteJira = await startJiraDouble();
  const inst = forge.install(siteJira);
  const installed = await forge.lifecycle(h.service.url, inst, 'installed');
  if (installed.status !== 200) throw new Error(`Forge lifecycle answered ${installed.status}: ${installed.text}`);
  const forgeProfile = h.profiles[1]!;
  const closeHarness = h.close.bind(h);

  const fh: ForgeHarness = Object.assign(h, {
    forge,
    siteJira,
    inst,
    forgeProfile,
    forgeApi: (method: string, path: string, body?: unknown, accountId = siteJira.adminAccountId, o: RemoteCallOptions = {}) =>
      forge.invokeRemote(h.service.url, inst, { path, method, body, accountId }, o),
    async forgeAssociate(overrides: Record<string, unknown> = {}) {
      const res = await fh.forgeApi('POST', '/api/associations', associationForm(h, { configurationProfileId: forgeProfile.id, ...overrides }));
      if (res.status !== 201 && res.status !== 200) throw new Error(`Forge associate failed: ${res.status} ${res.text}`);
      return res.json as Record<string, unknown> & { id: string };
    },
    async allRows() {
      const sequelize = h.service.db.sequelize;
      const tables = (await sequelize.getQueryInterface().showAllTables()).map((t) => (typeof t === 'string' ? t : (t as { tableName: string }).tableName));
      const out: string[] = [];
      for (const table of tables) {
        const rows = await sequelize.query(`SELECT * FROM "${table}"`, { type: QueryTypes.SELECT });
        for (const row of rows) out.push(`${table}: ${JSON.stringify(row)}`);
      }
      return out;
    },
    async rowsMentioning(id: string) {
      return (await fh.allRows()).filter((r) => r.includes(id) && !isTombstone(r));
    },
    async close() {
      await closeHarness();
      await siteJira.close();
      await forge.close();
    },
  });
  return fh;
}
