/**
 * What the flag's own issue panel shows: the tracked flag behind one issue of one site, with its state
 * in every environment. Looked up by the issue within the calling site's associations only, so another
 * site's issue is never found.
 */
import type { Db } from '../db/database.js';
import type { Models } from '../db/models.js';
import type { Flag } from '../flags/index.js';
import { appConfigConsoleUrl } from '../environments/console-link.js';
import { flagEnvironments, type FlagInEnvironment } from '../environments/flag-environments.js';
import { EnvironmentStore } from '../db/environments.js';
import { trackedFlagOfIssue } from '../db/flag-states.js';

export interface FlagPanelView {
  flagKey: string;
  name: string;
  enabled: boolean;
  /** Gone from the profile's newest saved version (`enabled` is then its last known state). */
  deleted: boolean;
  issueId: string;
  issueKey: string;
  accountId: string;
  region: string;
  application: { id: string; name: string };
  profile: { id: string; name: string };
  consoleUrl: string;
  environments: FlagInEnvironment[];
}

export async function flagPanelView(
  db: Db,
  models: Models,
  clientKey: string,
  issue: { id?: string; key?: string },
): Promise<FlagPanelView | null> {
  const tracked = await trackedFlagOfIssue(models, clientKey, issue);
  const { association, row } = tracked ?? {};
  if (!association || !row?.state || !row.issueKey || !row.issueId) return null;
  const flag = JSON.parse(row.state) as Flag;
  const store = new EnvironmentStore(db, models, association.id);
  const environments = await store.environments();
  const versions = new Set<string>();
  for (const e of environments) for (const d of [e.deployed, e.deploying]) if (d?.version) versions.add(d.version);
  const values = await store.versionValues([...versions]);
  return {
    flagKey: flag.key,
    name: flag.name,
    enabled: flag.enabled,
    deleted: row.deleted,
    issueId: row.issueId,
    issueKey: row.issueKey,
    accountId: association.accountId,
    region: association.region,
    application: { id: association.applicationId, name: association.applicationName },
    profile: { id: association.configurationProfileId, name: association.configurationProfileName },
    consoleUrl: appConfigConsoleUrl(association),
    environments: flagEnvironments(flag.key, environments, (v) => values.get(v)),
  };
}
