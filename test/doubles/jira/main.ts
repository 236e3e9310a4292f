/**
 * The Jira double on its own, for a person or a script:
 *   npx tsx test/doubles/jira/main.ts --port 0 [--app-key KEY] [--context-path /jira] [--install http://127.0.0.1:3000]
 * Prints one JSON line {url, clientKey, keysUrl, adminAccountId, memberAccountId} (plus {install} when asked),
 * then serves until SIGINT/SIGTERM. Open the url in a browser to read the issues the app wrote.
 * An app in another process must have CONNECT_KEYS_CDN_URL=<keysUrl> to verify the signed install.
 */
import { startJiraDouble } from './index.js';

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
