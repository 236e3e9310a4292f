/**
 * Jira for a Forge installation: the same typed client, authenticated with the installation's newest
 * app system token at its API base URL. The token is read for each request (a heartbeat may have
 * brought a newer one mid-run); a token Jira refuses is marked, and the call ends with
 * TenantUnavailable('token_expired'), so the worker keeps the work and waits for the next token.
 */
import { JiraClient, type JiraClientOptions } from '../jira/index.js';
import type { ForgeInstallations, SystemToken } from './installations.js';

export const FORGE_INSTALLATION_PREFIX = 'ari:cloud:ecosystem::installation/';

/** Tenant keys of Forge installations are installation ARIs; Connect clientKeys never are. */
export const isForgeInstallationId = (tenantKey: string): boolean => tenantKey.startsWith(FORGE_INSTALLATION_PREFIX);

/** Throws TenantUnavailable when the installation is unknown or has no token Jira still takes. */
export async function forgeJiraClient(installations: ForgeInstallations, installationId: string, opts: JiraClientOptions = {}): Promise<JiraClient> {
  // Fails here, not on the first call, for an unknown installation or one without a usable token.
  await installations.systemToken(installationId);
  const apiBaseUrl = (await installations.find(installationId))?.apiBaseUrl;
  if (!apiBaseUrl) return forgeJiraClient(installations, installationId, opts); // uninstalled in between: throws now
  const given = new Map<string, SystemToken>();
  return new JiraClient(
    {
      kind: 'forge',
      apiBaseUrl,
      async token() {
        const current = await installations.systemToken(installationId);
        given.set(current.token, current);
        return current.token;
      },
      async refused(token) {
        const refused = given.get(token);
        if (refused) await installations.markRefused(installationId, refused);
        // Another token stored meanwhile, or one taking over from it (markRefused): the call is repeated with it.
        return installations.systemToken(installationId).then(
          () => undefined,
          (err: unknown) => err as Error,
        );
      },
    },
    opts,
  );
}
