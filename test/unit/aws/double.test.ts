/**
 * The AWS double itself: it must really verify SigV4 (independently of the SDK), speak each service's
 * wire format, and behave like AppConfig where the app relies on it.
 */
import aws4 from 'aws4';
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AppConfigClient,
  CreateExtensionAssociationCommand,
  CreateHostedConfigurationVersionCommand,
  DeleteExtensionAssociationCommand,
  GetExtensionCommand,
  ListExtensionAssociationsCommand,
  ListHostedConfigurationVersionsCommand,
} from '@aws-sdk/client-appconfig';
import { startAwsDouble, type AwsDouble, type ExtensionEvent } from '../../doubles/aws/index.js';
import { ACCOUNT, ADMIN, EXTENSION_PARAMETERS, REGION } from './helpers.js';

let double: AwsDouble;
let appId: string;
let profileId: string;
let profileArn: string;
let host: string;
const creds = { accessKeyId: ADMIN.accessKeyId, secretAccessKey: ADMIN.secretAccessKey };
const sdk = () => new AppConfigClient({ region: REGION, credentials: creds, endpoint: double.url, maxAttempts: 1 });

interface RawAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function send(opts: { method: string; path: string; headers: Record<string, string>; body?: string }): Promise<RawAnswer> {
  const url = new URL(double.url);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, method: opts.method, path: opts.path, headers: opts.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** Signs with aws4 (not the SDK), as any SigV4 client would. */
function signed(o: { service: string; method: string; path: string; body?: string; date?: Date; region?: string }) {
  const headers: Record<string, string> = {};
  if (o.body !== undefined) headers['Content-Type'] = o.service === 'sts' ? 'application/x-www-form-urlencoded' : 'application/json';
  if (o.date) headers['X-Amz-Date'] = o.date.toISOString().replace(/[:-]|\.\d{3}/g, '');
  const req = aws4.sign({ host, method: o.method, path: o.path, service: o.service, region: o.region ?? REGION, headers, body: o.body }, creds);
  return { method: o.method, path: o.path, headers: req.headers as Record<string, string>, body: o.body };
}

const stsBody = 'Action=GetCallerIdentity&Version=2011-06-15';

beforeAll(async () => {
  double = await startAwsDouble({ accountId: ACCOUNT, region: REGION });
  double.addKey(ADMIN);
  host = new URL(double.url).host;
  appId = double.addApplication({ name: 'shop' }).id;
  const p = double.addProfile(appId, { name: 'flags', type: 'AWS.AppConfig.FeatureFlags' });
  profileId = p.id;
  profileArn = p.arn;
});
afterAll(async () => {
  await double.close();
});

describe('SigV4 verification', () => {
  it('accepts a request signed correctly by an independent signer, answering STS XML', async () => {
    const res = await send(signed({ service: 'sts', method: 'POST', path: '/', body: stsBody }));
    expect(res.status).toBe(200);
    expect(res.body).toContain(`<Arn>${ADMIN.userArn}</Arn>`);
    expect(res.body).toContain(`<Account>${ACCOUNT}</Account>`);
    expect(res.body).toMatch(/<UserId>AIDA[A-Z0-9]+<\/UserId>/);
  });

  it('rejects a tampered signature with SignatureDoesNotMatch in awsQuery XML', async () => {
    const req = signed({ service: 'sts', method: 'POST', path: '/', body: stsBody });
    req.headers.Authorization = req.headers.Authorization!.replace(/Signature=([0-9a-f])/, (_m, c: string) => `Signature=${c === '0' ? '1' : '0'}`);
    const res = await send(req);
    expect(res.status).toBe(403);
    expect(res.body).toMatch(/<ErrorResponse[^>]*><Error><Type>Sender<\/Type><Code>SignatureDoesNotMatch<\/Code><Message>[^<]+<\/Message><\/Error><RequestId>[^<]+<\/RequestId><\/ErrorResponse>/);
  });

  it('rejects a body changed after signing', async () => {
    const req = signed({ service: 'sts', method: 'POST', path: '/', body: stsBody });
    const res = await send({ ...req, body: `${stsBody}&X=1`, headers: { ...req.headers, 'Content-Length': String(stsBody.length + 4) } });
    expect(res.status).toBe(403);
    expect(res.body).toContain('<Code>SignatureDoesNotMatch</Code>');
  });

  it('rejects a tampered AppConfig query with InvalidSignatureException in restJson1', async () => {
    const req = signed({ service: 'appconfig', method: 'GET', path: '/applications?max_results=5' });
    const res = await send({ ...req, path: '/applications?max_results=6' });
    expect(res.status).toBe(403);
    expect(String(res.headers['x-amzn-errortype'])).toMatch(/^InvalidSignatureException/);
    expect(JSON.parse(res.body).message).toMatch(/signature we calculated does not match/);
  });

  it('rejects a request dated more than 15 minutes off, but not 10', async () => {
    const old = signed({ service: 'sts', method: 'POST', path: '/', body: stsBody, date: new Date(Date.now() - 16 * 60_000) });
    const res = await send(old);
    expect(res.status).toBe(403);
    expect(res.body).toMatch(/Signature expired/);
    const ok = signed({ service: 'sts', method: 'POST', path: '/', body: stsBody, date: new Date(Date.now() - 10 * 60_000) });
    expect((await send(ok)).status).toBe(200);
  });

  it('rejects a missing Authorization header and an unknown Region in the scope', async () => {
    const missing = await send({ method: 'POST', path: '/', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: stsBody });
    expect(missing.status).toBe(403);
    expect(missing.body).toContain('<Code>MissingAuthenticationToken</Code>');
    const badRegion = await send(signed({ service: 'sts', method: 'POST', path: '/', body: stsBody, region: 'xx-nowhere-9' }));
    expect(badRegion.body).toMatch(/scoped to a valid region/);
  });
});

describe('AppConfig behaviour', () => {
  it('AccessDenied carries IAM’s message shape', async () => {
    double.addKey({ accessKeyId: 'AKIANOPERMS000000001', secretAccessKey: 'nopermsnopermsnoperms', accountId: ACCOUNT, userArn: `arn:aws:iam::${ACCOUNT}:user/bob`, allow: [] });
    const req = aws4.sign({ host, method: 'GET', path: '/applications', service: 'appconfig', region: REGION }, { accessKeyId: 'AKIANOPERMS000000001', secretAccessKey: 'nopermsnopermsnoperms' });
    const res = await send({ method: 'GET', path: '/applications', headers: req.headers as Record<string, string> });
    expect(res.status).toBe(403);
    expect(res.headers['x-amzn-errortype']).toBe('AccessDeniedException');
    expect(JSON.parse(res.body).Message).toBe(
      `User: arn:aws:iam::${ACCOUNT}:user/bob is not authorized to perform: appconfig:ListApplications on resource: arn:aws:appconfig:${REGION}:${ACCOUNT}:application/* because no identity-based policy allows the appconfig:ListApplications action`,
    );
  });

  it('CreateHostedConfigurationVersion stores versions, lists them newest first with paging, and raises the extension event', async () => {
    const ext = double.addExtension({ name: 'tracker', parameters: EXTENSION_PARAMETERS });
    const parameters = { EventsUrl: 'http://127.0.0.1:1/e', SigningSecret: 's3cr3t-value' };
    await sdk().send(new CreateExtensionAssociationCommand({ ExtensionIdentifier: ext.name, ResourceIdentifier: profileArn, Parameters: parameters }));
    const events: ExtensionEvent[] = [];
    const off = double.onExtensionEvent((e) => {
      events.push(e);
    });
    for (const n of [1, 2, 3]) {
      await sdk().send(
        new CreateHostedConfigurationVersionCommand({
          ApplicationId: appId,
          ConfigurationProfileId: profileId,
          Content: Buffer.from(JSON.stringify({ version: '1', flags: {}, values: {}, n })),
          ContentType: 'application/json',
          Description: `save ${n}`,
        }),
      );
    }
    off();
    expect(events).toHaveLength(3);
    expect(events[2]).toMatchObject({
      Type: 'PreCreateHostedConfigurationVersion',
      Parameters: parameters,
      Application: { Id: appId, Name: 'shop' },
      ConfigurationProfile: { Id: profileId, Name: 'flags' },
      Description: 'save 3',
      ContentType: 'application/json',
      ContentVersion: '3',
    });
    expect(JSON.parse(Buffer.from(events[2]!.Content, 'base64').toString('utf8')).n).toBe(3);
    const page1 = await sdk().send(new ListHostedConfigurationVersionsCommand({ ApplicationId: appId, ConfigurationProfileId: profileId, MaxResults: 2 }));
    expect(page1.Items?.map((i) => i.VersionNumber)).toEqual([3, 2]);
    const page2 = await sdk().send(
      new ListHostedConfigurationVersionsCommand({ ApplicationId: appId, ConfigurationProfileId: profileId, MaxResults: 2, NextToken: page1.NextToken }),
    );
    expect(page2.Items?.map((i) => i.VersionNumber)).toEqual([1]);
    expect(page2.NextToken).toBeUndefined();
  });

  it('a listener that fails blocks the save, as a failing PRE_CREATE action does', async () => {
    const off = double.onExtensionEvent(() => {
      throw new Error('no');
    });
    const before = double.hostedVersions(appId, profileId).length;
    await expect(
      sdk().send(new CreateHostedConfigurationVersionCommand({ ApplicationId: appId, ConfigurationProfileId: profileId, Content: Buffer.from('{}'), ContentType: 'application/json' })),
    ).rejects.toMatchObject({ name: 'BadRequestException' });
    off();
    expect(double.hostedVersions(appId, profileId)).toHaveLength(before);
  });

  it('feature flag content must be JSON; oversize content → PayloadTooLargeException', async () => {
    const create = (content: string) =>
      sdk().send(new CreateHostedConfigurationVersionCommand({ ApplicationId: appId, ConfigurationProfileId: profileId, Content: Buffer.from(content), ContentType: 'application/json' }));
    await expect(create('not json')).rejects.toMatchObject({ name: 'BadRequestException', $metadata: { httpStatusCode: 400 } });
    double.quotas.hostedContentBytes = 10;
    await expect(create('{"version":"1","flags":{}}')).rejects.toMatchObject({ name: 'PayloadTooLargeException', $metadata: { httpStatusCode: 413 } });
    double.quotas.hostedContentBytes = 2 * 1024 * 1024;
  });

  it('extension associations: unknown parameters refused, quota → 402, filters by extension ARN, delete', async () => {
    const ext = double.addExtension({ name: 'other', parameters: { Url: { Required: false } } });
    const app2 = double.addApplication({ name: 'second' });
    const p2 = double.addProfile(app2.id, { name: 'f', type: 'AWS.AppConfig.FeatureFlags' });
    await expect(
      sdk().send(new CreateExtensionAssociationCommand({ ExtensionIdentifier: ext.id, ResourceIdentifier: p2.arn, Parameters: { Nope: 'x' } })),
    ).rejects.toMatchObject({ name: 'BadRequestException' });
    double.quotas.associationsPerAccount = 1;
    await expect(sdk().send(new CreateExtensionAssociationCommand({ ExtensionIdentifier: ext.id, ResourceIdentifier: p2.arn }))).rejects.toMatchObject({
      name: 'ServiceQuotaExceededException',
      $metadata: { httpStatusCode: 402 },
    });
    double.quotas.associationsPerAccount = 1000;
    const created = await sdk().send(new CreateExtensionAssociationCommand({ ExtensionIdentifier: ext.arn, ResourceIdentifier: p2.arn }));
    const byArn = await sdk().send(new ListExtensionAssociationsCommand({ ExtensionIdentifier: ext.arn }));
    expect(byArn.Items?.map((i) => i.Id)).toEqual([created.Id]);
    const got = await sdk().send(new GetExtensionCommand({ ExtensionIdentifier: ext.arn }));
    expect(got).toMatchObject({ Id: ext.id, Name: 'other', Parameters: { Url: { Required: false } } });
    await sdk().send(new DeleteExtensionAssociationCommand({ ExtensionAssociationId: created.Id }));
    const after = await sdk().send(new ListExtensionAssociationsCommand({ ResourceIdentifier: p2.arn }));
    expect(after.Items).toEqual([]);
  });
});
