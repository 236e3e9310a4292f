/** The installed site's record (from ACE's tenant row) as the Jira client needs it. */
import type { Models } from '../db/models.js';
import { JiraClient, type JiraTenant } from '../jira/index.js';
import { unauthorized } from '../http/errors.js';

export async function loadTenant(models: Models, clientKey: string): Promise<JiraTenant | null> {
  const row = await models.AddonSetting.findOne({ where: { clientKey, key: 'clientInfo' } });
  if (!row) return null;
  const info = (typeof row.val === 'string' ? JSON.parse(row.val) : row.val) as Record<string, unknown>;
  if (typeof info.baseUrl !== 'string' || typeof info.sharedSecret !== 'string' || typeof info.key !== 'string') {
    return null;
  }
  return { baseUrl: info.baseUrl, clientKey, sharedSecret: info.sharedSecret, appKey: info.key };
}

/** A Jira client for an installed site, as the app (its shared secret signs each call). */
export function jiraClientFor(models: Models) {
  return async (clientKey: string): Promise<JiraClient> => {
    const tenant = await loadTenant(models, clientKey);
    if (!tenant) throw unauthorized('This Jira site has not installed the app.');
    return new JiraClient(tenant);
  };
}
