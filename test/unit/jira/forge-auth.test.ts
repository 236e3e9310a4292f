/** The Jira client for a Forge installation: Bearer app system token at the API gateway address. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JiraClient, type ForgeAuth } from '../../../src/jira/index.js';
import { startForgeDouble, type ForgeDouble, type ForgeInstallation } from '../../doubles/forge/index.js';
import { startJiraDouble, type JiraDouble } from '../../doubles/jira/index.js';

let forge: ForgeDouble;
let jira: JiraDouble;
let inst: ForgeInstallation;
beforeAll(async () => {
  forge = await startForgeDouble();
  jira = await startJiraDouble();
  inst = forge.install(jira);
});
afterAll(async () => {
  await forge.close();
  await jira.close();
});

class TokenGone extends Error {}

function forgeAuth(current: () => string, refusedTokens: string[] = []): ForgeAuth {
  return {
    kind: 'forge',
    apiBaseUrl: inst.apiBaseUrl,
    token: async () => current(),
    refused: async (token) => {
      refusedTokens.push(token);
      return new TokenGone('token refused');
    },
  };
}

describe('JiraClient with a Forge app system token', () => {
  it('calls /ex/jira/<cloudId>/rest/... with Bearer, reading the newest token for each request', async () => {
    let token = forge.issueSystemToken(inst);
    const client = new JiraClient(forgeAuth(() => token), { sleep: async () => {} });
    jira.clearRequests();
    expect((await client.searchProjects('', 50)).map((p) => p.key)).toContain('FLAG');
    token = forge.issueSystemToken(inst);
    forge.expireSystemTokens(inst);
    token = forge.issueSystemToken(inst); // only this one is still valid
    expect(await client.hasGlobalAdmin(jira.adminAccountId)).toBe(true);
    expect(jira.requests.map((r) => [r.via, r.status])).toEqual([
      ['api-gateway', 200],
      ['api-gateway', 200],
    ]);
  });

  it('a token Jira refuses ends the call with the auth strategy\'s error, once, naming that token', async () => {
    const token = forge.issueSystemToken(inst);
    forge.expireSystemTokens(inst);
    const refused: string[] = [];
    const client = new JiraClient(forgeAuth(() => token, refused), { sleep: async () => {} });
    jira.clearRequests();
    await expect(client.getProject('FLAG')).rejects.toBeInstanceOf(TokenGone);
    expect(refused).toEqual([token]);
    expect(jira.requests).toHaveLength(1);
  });
});
