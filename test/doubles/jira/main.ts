/**
 * The Jira double on its own, for a person or a script:
 *   npx tsx test/doubles/jira/main.ts --port 0 [--app-key KEY] [--context-path /jira] [--install http://127.0.0.1:3000] [--control]
 * Prints one JSON line {url, clientKey, keysUrl, adminAccountId, memberAccountId} (plus {install} when asked),
 * then serves until SIGINT/SIGTERM. Open the url in a browser to read the issues the app wrote.
 * An app in another process must have CONNECT_KEYS_CDN_URL=<keysUrl> to verify the signed install.
 *
 * --control (for scripts such as `npm run demo`): the app can only start once keysUrl is known, so the
 * install has to be asked for later. Each stdin line is one JSON command, answered by one JSON line on stdout:
 *   {"id":1,"cmd":"install","appBaseUrl":"http://127.0.0.1:3000"}  -> {"id":1,"ok":true,"status":204}
 *   {"id":2,"cmd":"contextJwt","accountId":"<adminAccountId>"}      -> {"id":2,"ok":true,"jwt":"..."}
 * The end of stdin (the parent went away) shuts the double down.
 */
import { serveControlChannel } from '../control-channel.js';
import { startJiraDouble, type JiraDouble } from './index.js';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const double = await startJiraDouble({
  port: Number(arg('port') ?? 0),
  appKey: arg('app-key'),
  contextPath: arg('context-path'),
});
const line: Record<string, unknown> = {
  url: double.url,
  clientKey: double.clientKey,
  keysUrl: double.keysUrl,
  adminAccountId: double.adminAccountId,
  memberAccountId: double.memberAccountId,
};
const installTo = arg('install');
if (installTo) {
  const result = await double.install(installTo);
  line.install = { status: result.status };
}
process.stdout.write(JSON.stringify(line) + '\n');

const stop = (): void => {
  void double.close().then(() => process.exit(0));
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);

async function command(d: JiraDouble, c: Record<string, unknown>): Promise<Record<string, unknown>> {
  if (c.cmd === 'install' && typeof c.appBaseUrl === 'string') return { status: (await d.install(c.appBaseUrl)).status };
  if (c.cmd === 'contextJwt' && typeof c.accountId === 'string') return { jwt: d.contextJwt(c.accountId) };
  throw new Error(`unknown command ${JSON.stringify(c.cmd)}`);
}

if (process.argv.includes('--control')) serveControlChannel((c) => command(double, c), stop);
