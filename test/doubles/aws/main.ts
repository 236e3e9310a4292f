/**
 * The AWS double as a process: `npx tsx test/doubles/aws/main.ts --port 0 [--seed file.json] [--forward]`.
 * Prints one JSON line `{"url", "accountId", "region", "created"}` on stdout once it listens.
 * --forward runs the app's real forwarder Lambda code on each extension event, so a saved hosted
 * version reaches the association's EventsUrl signed, as it would from AWS.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { createHandler } from '../../../src/forwarder/handler.js';
import { startAwsDouble } from './index.js';
import { applySeed, type AwsSeed } from './seed.js';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    host: { type: 'string', default: '127.0.0.1' },
    seed: { type: 'string' },
    account: { type: 'string' },
    region: { type: 'string' },
    forward: { type: 'boolean', default: false },
  },
});

const seed: AwsSeed & { accountId?: string; region?: string } = values.seed ? JSON.parse(readFileSync(values.seed, 'utf8')) : {};
const double = await startAwsDouble({
  port: Number(values.port),
  host: values.host,
  accountId: values.account ?? seed.accountId,
  region: values.region ?? seed.region,
});
const created = applySeed(double, seed);

if (values.forward) {
  const forward = createHandler({ log: (line) => process.stderr.write(`${line}\n`) });
  // AppConfig invokes the Lambda; its context names the function, and so the account and Region.
  double.onExtensionEvent(async (event, meta) => {
    await forward(event, { invokedFunctionArn: `arn:aws:lambda:${meta.region}:${meta.accountId}:function:jira-flag-tracker-forwarder` });
  });
}

process.stdout.write(`${JSON.stringify({ url: double.url, ...double.defaults, created })}\n`);

const stop = () => {
  double.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
