/**
 * Jira's check of a Forge app's calls through the Atlassian API gateway: `Authorization: Bearer <token>`
 * under `/ex/jira/<cloudId>/rest/...`, where the token is an app system token (acts as the app) or an
 * app user token (acts as a user) that Forge issued for this site and that has not expired. Tokens are
 * opaque: the double knows them because the Forge double grants them here when it issues them.
 */
export interface BearerGrant {
  kind: 'system' | 'user';
  /** Who the calls act as: the app's own account for a system token, the user for a user token. */
  accountId: string;
  expiresAtMs: number;
}

export class BearerTokens {
  private readonly grants = new Map<string, BearerGrant>();

  grant(token: string, grant: BearerGrant): void {
    this.grants.set(token, grant);
  }

  /** Ends a token's life now (as its expiry would). */
  expire(token: string): void {
    const g = this.grants.get(token);
    if (g) g.expiresAtMs = 0;
  }

  expireAll(): void {
    for (const g of this.grants.values()) g.expiresAtMs = 0;
  }

  /** Undefined when the call may proceed; otherwise what Jira would say (never echoing the token). */
  problem(authorization: string | undefined, nowMs = Date.now()): string | undefined {
    if (!authorization?.startsWith('Bearer ')) return 'Missing Authorization: Bearer header';
    const grant = this.grants.get(authorization.slice('Bearer '.length).trim());
    if (!grant) return 'Unknown access token';
    if (grant.expiresAtMs <= nowMs) return 'The access token has expired';
    return undefined;
  }
}
