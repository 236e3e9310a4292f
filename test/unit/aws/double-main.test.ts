/** The double as a standalone process (for demos): starts, prints its URL, serves the seeded world. */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { AppConfigClient, CreateHostedConfigurationVersionCommand } from '@aws-sdk/client-appconfig';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkCredentials, readLatestHostedVersion, resolveApplication, resolveFeatureFlagProfile } from '../../../src/aws/index.js';
import { ADMIN, accessFor } from './helpers.js';

const mainPath = fileURLToPath(new URL('../../doubles/aws/main.ts', import.meta.url));
let dir: string;
let child: ChildProcess;
let receiver: Server;
const received: { headers: IncomingHttpHeaders; body: string }[] = [];
const SIGNING_SECRET = 'demo-signing-secret-0123456789';
let started: { url: string; accountId: string; region: string; created: Record<string, { id: string; profiles: Record<string, string> }> };

beforeAll(async () => {
  // Stands in for the app's intake endpoint: records what the forwarder posts.
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(202).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const eventsUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/api/associations/A1/events`;
  dir = mkdtempSync(path.join(tmpdir(), 'aws-double-'));
  const seedFile = path.join(dir, 'seed.json');
  writeFileSync(
    seedFile,
    JSON.stringify({
      accountId: '444455556666',
      region: 'eu-central-1',
      keys: [{ ...ADMIN, accountId: '444455556666', userArn: 'arn:aws:iam::444455556666:user/demo' }],
      extensions: [{ name: 'jira-flag-tracker', parameters: { EventsUrl: { Required: true }, SigningSecret: { Required: true } } }],
      applications: [
        {
          name: 'shop',
          id: 'app0001',
          profiles: [{ name: 'release-flags', id: 'prof001', type: 'AWS.AppConfig.FeatureFlags', versions: [{ content: { version: '1', flags: {}, values: {} }, description: 'seeded' }] }],
        },
      ],
      associations: [
        {
          extension: 'jira-flag-tracker',
          resourceArn: 'arn:aws:appconfig:eu-central-1:444455556666:application/app0001/configurationprofile/prof001',
          parameters: { EventsUrl: eventsUrl, SigningSecret: SIGNING_SECRET },
        },
      ],
    }),
  );
  child = spawn(process.execPath, ['--import', 'tsx', mainPath, '--port', '0', '--seed', seedFile, '--forward'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines = createInterface({ input: child.stdout! });
  started = await new Promise((resolve, reject) => {
    lines.once('line', (line) => resolve(JSON.parse(line)));
    child.once('exit', (code) => reject(new Error(`double exited with ${code}`)));
  });
  process.env.AWS_ENDPOINT_URL_STS = started.url;
  process.env.AWS_ENDPOINT_URL_APPCONFIG = started.url;
});

afterAll(async () => {
  if (child.pid && child.exitCode === null) child.kill('SIGTERM');
  await new Promise<void>((resolve) => receiver.close(() => resolve()));
  rmSync(dir, { recursive: true, force: true });
});

describe('test/doubles/aws/main.ts', () => {
  it('prints a JSON line with a 127.0.0.1 URL and the seeded IDs', () => {
    expect(started.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(started).toMatchObject({ accountId: '444455556666', region: 'eu-central-1' });
    expect(started.created.shop?.profiles['release-flags']).toMatch(/^[a-z0-9]{7}$/);
  });

  it('serves the seeded keys, application, profile and version to the app’s AWS layer', async () => {
    const access = accessFor(ADMIN, 'eu-central-1');
    await expect(checkCredentials(access)).resolves.toEqual({ accountId: '444455556666', arn: 'arn:aws:iam::444455556666:user/demo' });
    const app = await resolveApplication(access, 'shop');
    const profile = await resolveFeatureFlagProfile(access, app.id, 'release-flags');
    const latest = await readLatestHostedVersion(access, app.id, profile.id);
    expect(latest).toMatchObject({ version: 1, description: 'seeded' });
    expect(JSON.parse(Buffer.from(latest!.content).toString('utf8'))).toEqual({ version: '1', flags: {}, values: {} });
  });

  it('--forward: saving a hosted version posts the event, signed, to the association’s EventsUrl', async () => {
    const client = new AppConfigClient({ region: 'eu-central-1', credentials: { accessKeyId: ADMIN.accessKeyId, secretAccessKey: ADMIN.secretAccessKey } });
    const doc = JSON.stringify({ version: '1', flags: { a: { name: 'A' } }, values: { a: { enabled: true } } });
    await client.send(
      new CreateHostedConfigurationVersionCommand({
        ApplicationId: 'app0001',
        ConfigurationProfileId: 'prof001',
        Content: Buffer.from(doc),
        ContentType: 'application/json',
        Description: 'from the demo',
      }),
    );
    client.destroy();
    expect(received).toHaveLength(1);
    const { headers, body } = received[0]!;
    const event = JSON.parse(body);
    expect(event).toMatchObject({ Type: 'PreCreateHostedConfigurationVersion', ContentVersion: '2', Description: 'from the demo' });
    expect(Buffer.from(event.Content, 'base64').toString('utf8')).toBe(doc);
    const m = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(String(headers['x-appconfig-signature']));
    expect(m).not.toBeNull();
    expect(m![2]).toBe(createHmac('sha256', SIGNING_SECRET).update(`${m![1]}.${body}`).digest('hex'));
  });
});
