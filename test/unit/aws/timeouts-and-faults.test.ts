import { createServer } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { AwsDouble } from '../../doubles/aws/index.js';
import { checkCredentials, listApplications } from '../../../src/aws/index.js';
import { loadConfig } from '../../../src/config.js';
import { ADMIN, REGION, accessFor, expectApiError, startDouble } from './helpers.js';

let double: AwsDouble;
const admin = accessFor(ADMIN);

beforeAll(async () => {
  double = await startDouble();
  double.addApplication({ name: 'shop' });
});
afterEach(() => {
  double.faults.clear();
});
afterAll(async () => {
  await double.close();
});

/** A port on 127.0.0.1 that nothing listens on any more. */
async function closedPortUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

describe('deadlines', () => {
  /** The admin's keys with the deadline an operator sets through AWS_CALL_TIMEOUT_MS. */
  const withDeadline = (value: string) => accessFor(ADMIN, REGION, loadConfig({ AWS_CALL_TIMEOUT_MS: value }).awsCallTimeoutMs);

  it('an AppConfig answer slower than AWS_CALL_TIMEOUT_MS → 504 aws_timeout, well before the answer', async () => {
    const access = withDeadline('300');
    double.faults.add({ service: 'appconfig', action: 'ListApplications', delayMs: 5000, times: 5 });
    const started = Date.now();
    const err = await expectApiError(listApplications(access), { status: 504, code: 'aws_timeout' }, access);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(err.message).toContain('300 ms');
  });

  it('a slow STS → 504 aws_timeout too', async () => {
    const access = withDeadline('250');
    double.faults.add({ service: 'sts', action: 'GetCallerIdentity', delayMs: 5000, times: 5 });
    await expectApiError(checkCredentials(access), { status: 504, code: 'aws_timeout' }, access);
  });

  it('a delay shorter than the deadline is just waited for', async () => {
    double.faults.add({ service: 'appconfig', action: 'ListApplications', delayMs: 200 });
    await expect(listApplications(withDeadline('3000'))).resolves.toHaveLength(1);
  });
});

describe('AWS failures', () => {
  it('one 500 is retried (two attempts at most) and the call succeeds', async () => {
    double.faults.add({ service: 'appconfig', action: 'ListApplications', status: 500 });
    const before = double.calls.length;
    await expect(listApplications(admin)).resolves.toHaveLength(1);
    expect(double.calls.slice(before).map((c) => c.status)).toEqual([500, 200]);
  });

  it('500 on both attempts → 502 aws_unavailable after exactly two calls', async () => {
    double.faults.add({ service: 'appconfig', action: 'ListApplications', status: 500, times: 5 });
    const before = double.calls.length;
    await expectApiError(listApplications(admin), { status: 502, code: 'aws_unavailable' }, admin);
    expect(double.calls.length - before).toBe(2);
  });

  it('STS 503 twice → 502 aws_unavailable', async () => {
    double.faults.add({ service: 'sts', status: 503, times: 2 });
    await expectApiError(checkCredentials(admin), { status: 502, code: 'aws_unavailable' }, admin);
  });

  it('throttling on both attempts → 503 aws_throttled', async () => {
    double.faults.add({ service: 'appconfig', status: 429, times: 2 });
    await expectApiError(listApplications(admin), { status: 503, code: 'aws_throttled' }, admin);
  });

  it('a dropped connection → 502 aws_unreachable', async () => {
    double.faults.add({ service: 'appconfig', drop: true, times: 2 });
    await expectApiError(listApplications(admin), { status: 502, code: 'aws_unreachable' }, admin);
  });

  it('nothing listening at the endpoint → 502 aws_unreachable', async () => {
    const saved = process.env.AWS_ENDPOINT_URL_STS;
    process.env.AWS_ENDPOINT_URL_STS = await closedPortUrl();
    try {
      const err = await expectApiError(checkCredentials(admin), { status: 502, code: 'aws_unreachable' }, admin);
      expect(err.message).toContain('ECONNREFUSED');
    } finally {
      process.env.AWS_ENDPOINT_URL_STS = saved;
    }
    // Clients are built per call, so the next call sees the endpoint again.
    await expect(checkCredentials(admin)).resolves.toMatchObject({ arn: ADMIN.userArn });
  });
});
