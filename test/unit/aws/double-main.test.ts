/** The double as a standalone process (for demos): starts, prints its URL, serves the seeded world. */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkCredentials, readLatestHostedVersion, resolveApplication, resolveFeatureFlagProfile } from '../../../src/aws/index.js';
import { ADMIN, accessFor } from './helpers.js';

const mainPath = fileURLToPath(new URL('../../doubles/aws/main.ts', import.meta.url));
let dir: string;
let child: ChildProcess;
let started: { url: string; accountId: string; region: string; created: Record<string, { id: string; profiles: Record<string, string> }> };

beforeAll(async () => {
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
          profiles: [{ name: 'release-flags', type: 'AWS.AppConfig.FeatureFlags', versions: [{ content: { version: '1', flags: {}, values: {} }, description: 'seeded' }] }],
        },
      ],
    }),
  );
  child = spawn(process.execPath, ['--import', 'tsx', mainPath, '--port', '0', '--seed', seedFile], { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines = createInterface({ input: child.stdout! });
  started = await new Promise((resolve, reject) => {
    lines.once('line', (line) => resolve(JSON.parse(line)));
    child.once('exit', (code) => reject(new Error(`double exited with ${code}`)));
  });
  process.env.AWS_ENDPOINT_URL_STS = started.url;
  process.env.AWS_ENDPOINT_URL_APPCONFIG = started.url;
});

afterAll(() => {
  if (child.pid && child.exitCode === null) child.kill('SIGTERM');
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
});
