import { mkdir, mkdtemp, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildForwarderBundle } from '../../../src/forwarder/bundle.js';
import { TEMPLATE_ROUTE, templateRouter } from '../../../src/forwarder/route.js';
import { TEMPLATE_FILE_NAME } from '../../../src/forwarder/template.js';
import { parseCloudFormation } from './cfn-yaml.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'template-route-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const appWith = (templatePath: string) => express().use(templateRouter({ templatePath }));

describe('GET /aws/appconfig-jira-extension.yaml', () => {
  it('is the path the Configure page links to', () => {
    expect(TEMPLATE_ROUTE).toBe('/aws/appconfig-jira-extension.yaml');
  });

  it('serves the built file as a YAML download', async () => {
    const path = join(dir, 'built.yaml');
    await writeFile(path, 'AWSTemplateFormatVersion: "2010-09-09"\n# built\n');
    const res = await request(appWith(path)).get(TEMPLATE_ROUTE).expect(200);
    expect(res.headers['content-type']).toBe('application/yaml; charset=utf-8');
    expect(res.headers['content-disposition']).toBe(`attachment; filename="${TEMPLATE_FILE_NAME}"`);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.text).toBe('AWSTemplateFormatVersion: "2010-09-09"\n# built\n');
  });

  it('keeps serving what it read first (the build does not change under a running app)', async () => {
    const path = join(dir, 'cached.yaml');
    await writeFile(path, 'first: 1\n');
    const app = appWith(path);
    await request(app).get(TEMPLATE_ROUTE).expect(200, 'first: 1\n');
    await unlink(path);
    await request(app).get(TEMPLATE_ROUTE).expect(200, 'first: 1\n');
  });

  it('builds the template in memory when no built file exists', async () => {
    const res = await request(appWith(join(dir, 'missing.yaml'))).get(TEMPLATE_ROUTE).expect(200);
    expect(res.headers['content-type']).toBe('application/yaml; charset=utf-8');
    const template = parseCloudFormation(res.text);
    const fn = (template.Resources as Record<string, { Properties: { Code: { ZipFile: string } } }>).ForwarderFunction;
    expect(fn?.Properties.Code.ZipFile).toBe(await buildForwarderBundle());
  });

  it('passes a read failure other than a missing file to the error handler, and retries later', async () => {
    const path = join(dir, 'a-directory');
    await mkdir(path);
    const app = appWith(path);
    app.use((_err: unknown, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
      res.status(500).json({ error: { code: 'internal', message: 'template unavailable' } });
    });
    await request(app).get(TEMPLATE_ROUTE).expect(500);
    await rm(path, { recursive: true });
    await writeFile(path, 'now: a file\n');
    await request(app).get(TEMPLATE_ROUTE).expect(200, 'now: a file\n');
  });

  it('answers nothing else', async () => {
    await request(appWith(join(dir, 'x.yaml'))).get('/aws/other.yaml').expect(404);
  });
});
