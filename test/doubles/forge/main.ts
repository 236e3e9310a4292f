/**
 * The Forge double with a Jira site of its own, for a person or a script:
 *   npx tsx test/doubles/forge/main.ts [--control]
 * Prints one JSON line {jwksUrl, appId, jiraUrl, keysUrl, apiBaseUrl, adminAccountId, memberAccountId}; an app in
 * another process opens its Forge door with FORGE_APP_ID=<appId> FORGE_JWKS_URL=<jwksUrl>.
 *
 * --control (for `npm run demo -- --forge`): each stdin line is one JSON command, answered by one JSON line:
 *   {"id":1,"cmd":"install","appBaseUrl":"http://127.0.0.1:3000"}  -> the installed trigger: {"status":200}
 *   {"id":2,"cmd":"invoke","path":"/api/associations","method":"POST","body":{...}} -> {"status":201,"json":{...}}
 *     (invokeRemote from the Configure page, as the site admin unless "accountId" is given)
 *   {"id":3,"cmd":"expireTokens"}     the installation's app system tokens expire now
 *   {"id":4,"cmd":"heartbeat"}        the hourly scheduled trigger, with a fresh token: {"status":200}
 *   {"id":5,"cmd":"preUninstall"}     {"status":200}
 * The end of stdin (the parent went away) shuts it down.
 */
import { serveControlChannel } from '../control-channel.js';
import { startJiraDouble } from '../jira/index.js';
import { startForgeDouble, type ForgeInstallation } from './index.js';

const jira = await startJiraDouble();
const forge = await startForgeDouble();
process.stdout.write(
  JSON.stringify({
    jwksUrl: forge.jwksUrl,
    appId: forge.appId,
    jiraUrl: jira.url,
    keysUrl: jira.keysUrl,
    apiBaseUrl: jira.apiBaseUrl,
    adminAccountId: jira.adminAccountId,
    memberAccountId: jira.memberAccountId,
  }) + '\n',
);

const stop = (): void => {
  void Promise.all([forge.close(), jira.close()]).then(() => process.exit(0));
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);

let appBaseUrl = '';
let inst: ForgeInstallation | undefined;
const installed = (): ForgeInstallation => {
  if (!inst) throw new Error('install the app first');
  return inst;
};

async function command(c: Record<string, unknown>): Promise<Record<string, unknown>> {
  switch (c.cmd) {
    case 'install': {
      if (typeof c.appBaseUrl !== 'string') throw new Error('install needs appBaseUrl');
      appBaseUrl = c.appBaseUrl;
      inst = forge.install(jira);
      return { status: (await forge.lifecycle(appBaseUrl, inst, 'installed')).status, installationId: inst.installationId };
    }
    case 'invoke': {
      const accountId = typeof c.accountId === 'string' ? c.accountId : jira.adminAccountId;
      const a = await forge.invokeRemote(appBaseUrl, installed(), { path: String(c.path), method: typeof c.method === 'string' ? c.method : 'GET', body: c.body, accountId });
      return { status: a.status, json: a.json };
    }
    case 'expireTokens':
      forge.expireSystemTokens(installed());
      return {};
    case 'heartbeat':
      return { status: (await forge.heartbeat(appBaseUrl, installed())).status };
    case 'preUninstall':
      return { status: (await forge.preUninstall(appBaseUrl, installed())).status };
    default:
      throw new Error(`unknown command ${JSON.stringify(c.cmd)}`);
  }
}

if (process.argv.includes('--control')) serveControlChannel(command, stop);
