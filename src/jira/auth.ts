/**
 * How the app proves itself to Jira, per kind of tenant. A Connect site: a JWT signed with the site's
 * shared secret, made afresh for each request (its qsh covers that request). A Forge installation: the
 * newest app system token Forge gave us, as `Authorization: Bearer`, at the installation's API base URL
 * (Atlassian's API gateway, `https://api.atlassian.com/ex/jira/<cloudId>`).
 */
import { appRequestJwt } from './jwt.js';
import type { JiraTenant } from './types.js';

export interface ConnectAuth extends JiraTenant {
  kind: 'connect';
}

export interface ForgeAuth {
  kind: 'forge';
  apiBaseUrl: string;
  /** The token to send now (read per request: a newer one may have arrived meanwhile). */
  token(): Promise<string>;
  /**
   * Jira refused `token` (401): it has expired or was revoked. Returns the error the call ends with,
   * so the caller waits for Forge to bring a fresh token instead of treating Jira's answer as final;
   * or undefined when a newer token has arrived meanwhile, and the call is simply repeated with it.
   */
  refused(token: string): Promise<Error | undefined>;
}

/** A JiraTenant without `kind` is a Connect site (the shape the Jira client always took). */
export type JiraAuth = ConnectAuth | ForgeAuth | JiraTenant;

export function jiraBaseUrl(auth: JiraAuth): string {
  return ('kind' in auth && auth.kind === 'forge' ? auth.apiBaseUrl : (auth as JiraTenant).baseUrl).replace(/\/+$/, '');
}

export interface Credentials {
  authorization: string;
  /** What a 401 means (Forge only): the error to end with, or undefined to repeat with a newer token. */
  onUnauthorized?: () => Promise<Error | undefined>;
}

export async function credentialsFor(auth: JiraAuth, method: string, url: URL): Promise<Credentials> {
  if ('kind' in auth && auth.kind === 'forge') {
    const token = await auth.token();
    return { authorization: `Bearer ${token}`, onUnauthorized: () => auth.refused(token) };
  }
  return { authorization: `JWT ${appRequestJwt(auth as JiraTenant, method, url)}` };
}
