/**
 * forge/manifest.yml as the Forge CLI sees it: @forge/manifest's full validation (errors AND warnings
 * fail), the modules and least scopes the Forge door needs, and the render script's two values.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { checkForgeManifest, renderForgeManifest } from '../../../scripts/lib/forge-manifest.js';
import { projectRoot } from '../../../src/paths.js';
import { EVENT_ROUTE_MODULES } from '../../../src/forge/door.js';

const forgeDir = path.join(projectRoot, 'forge');
const manifestPath = path.join(forgeDir, 'manifest.yml');
const text = readFileSync(manifestPath, 'utf8');
type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const manifest = parse(text) as Json;
const modules = manifest.modules as Json;
const endpoint = (key: string): Json => (modules.endpoint as Json[]).find((e) => e.key === key)!;

const tmpDirs: string[] = [];
/** A copy of forge/ (manifest and Custom UI resources) to render or break without touching the repository. */
function copyOfForgeDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'forge-manifest-'));
  tmpDirs.push(dir);
  cpSync(forgeDir, dir, { recursive: true });
  return dir;
}
afterAll(() => tmpDirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('forge/manifest.yml', () => {
  // The first validation loads @forge/manifest's large schema: seconds on a busy machine.
  it('passes @forge/manifest validation with no error and no warning', { timeout: 90_000 }, async () => {
    expect(await checkForgeManifest(manifestPath)).toEqual([]);
  });

  it('the Configure page is the admin page used as the app configuration, calling the backend with the app system token', () => {
    const pages = modules['jira:adminPage'] as Json[];
    expect(pages).toHaveLength(1);
    expect(pages[0]).toMatchObject({ useAsConfig: true, resource: 'configure' });
    const api = endpoint(pages[0]!.resolver.endpoint);
    expect(api).toMatchObject({ remote: 'backend', auth: { appSystemToken: { enabled: true } } });
    // The backend acts as the app only: no endpoint hands it a token that can act as the user.
    expect(api?.auth).not.toHaveProperty('appUserToken');
    const resource = (manifest.resources as Json[]).find((r) => r.key === 'configure')!;
    expect(readFileSync(path.join(forgeDir, resource.path, 'index.html'), 'utf8')).toMatch(/<html/i);
  });

  it('the flag panel is an issue context shown only on issues with appconfigFlag, calling the backend with the app system token', () => {
    const panels = modules['jira:issueContext'] as Json[];
    expect(panels).toHaveLength(1);
    expect(panels[0]!.displayConditions).toEqual({ entityPropertyExists: { entity: 'issue', propertyKey: 'appconfigFlag' } });
    const api = endpoint(panels[0]!.resolver.endpoint);
    expect(api).toMatchObject({ remote: 'backend', auth: { appSystemToken: { enabled: true } } });
    // The backend acts as the app only: no endpoint hands it a token that can act as the user.
    expect(api?.auth).not.toHaveProperty('appUserToken');
    expect(api.route).toBeUndefined();
    const resource = (manifest.resources as Json[]).find((r) => r.key === panels[0]!.resource)!;
    expect(readFileSync(path.join(forgeDir, resource.path, 'index.html'), 'utf8')).toMatch(/<script src="flag-panel\.js" defer><\/script>/);
  });

  it('indexes appconfigFlag with exactly the JQL aliases the Connect descriptor declares', () => {
    const descriptor = JSON.parse(readFileSync(path.join(projectRoot, 'atlassian-connect.json'), 'utf8')) as Json;
    const connectIndex = (descriptor.modules.jiraEntityProperties as Json[])
      .flatMap((m) => m.keyConfigurations as Json[])
      .find((k) => k.propertyKey === 'appconfigFlag')!;
    const forgeIndex = (modules['jira:entityProperty'] as Json[]).find((m) => m.propertyKey === 'appconfigFlag')!;
    expect(forgeIndex.entityType).toBe('issue');
    const asForge = (connectIndex.extractions as Json[]).map((e) => ({ path: e.objectName, type: e.type, ...(e.alias ? { searchAlias: e.alias } : {}) }));
    expect(forgeIndex.values).toEqual(asForge);
  });

  it('lifecycle, pre-uninstall and an hourly heartbeat reach the backend routes, with the app system token where one is stored', () => {
    const trigger = (modules.trigger as Json[])[0]!;
    expect(trigger.events).toEqual(['avi:forge:installed:app', 'avi:forge:upgraded:app']);
    expect(endpoint(trigger.endpoint)).toMatchObject({ remote: 'backend', route: { path: '/forge/lifecycle' }, auth: { appSystemToken: { enabled: true } } });
    const heartbeat = (modules.scheduledTrigger as Json[])[0]!;
    expect(heartbeat.interval).toBe('hour');
    expect(endpoint(heartbeat.endpoint)).toMatchObject({ remote: 'backend', route: { path: '/forge/heartbeat' }, auth: { appSystemToken: { enabled: true } } });
    const preUninstall = (modules.preUninstall as Json[])[0]!;
    expect(endpoint(preUninstall.endpoint)).toMatchObject({ remote: 'backend', route: { path: '/forge/pre-uninstall' } });
    expect(manifest.remotes).toHaveLength(1);
  });

  it('the backend answers each Forge event route for the module that calls it, named by its key or its endpoint key', () => {
    for (const [route, [moduleKey, endpointKey]] of Object.entries(EVENT_ROUTE_MODULES)) {
      const module = [...(modules.trigger as Json[]), ...(modules.scheduledTrigger as Json[]), ...(modules.preUninstall as Json[])].find((m) => m.key === moduleKey);
      expect(module?.endpoint, route).toBe(endpointKey);
      expect(endpoint(endpointKey).route, route).toEqual({ path: route });
    }
    // The UI modules' endpoints have no fixed path: their calls can name any path, so the routes above check the module.
    expect([endpoint('configure-api').route, endpoint('panel-api').route]).toEqual([undefined, undefined]);
  });

  it('asks for the least scopes: Jira issue data read and write, the two remote tokens, and writing and deleting Releases-panel flags', () => {
    expect([...(manifest.permissions.scopes as string[])].sort()).toEqual([
      'delete:feature-flag-info:jira',
      'read:app-system-token',
      'read:jira-work',
      'write:feature-flag-info:jira',
      'write:jira-work',
    ]);
  });

  it('declares the Releases-panel provider and indexes appconfigFlagState with the descriptor\'s aliases', () => {
    const descriptor = JSON.parse(readFileSync(path.join(projectRoot, 'atlassian-connect.json'), 'utf8')) as Json;
    const provider = (modules['devops:featureFlagInfoProvider'] as Json[])[0]!;
    expect(provider).toMatchObject({ key: descriptor.modules.jiraFeatureFlagInfoProvider.key, name: descriptor.modules.jiraFeatureFlagInfoProvider.name, homeUrl: descriptor.modules.jiraFeatureFlagInfoProvider.homeUrl });
    const connectIndex = (descriptor.modules.jiraEntityProperties as Json[]).flatMap((m) => m.keyConfigurations as Json[]).find((k) => k.propertyKey === 'appconfigFlagState')!;
    const forgeIndex = (modules['jira:entityProperty'] as Json[]).find((m) => m.propertyKey === 'appconfigFlagState')!;
    expect(forgeIndex.values).toEqual((connectIndex.extractions as Json[]).map((e) => ({ path: e.objectName, type: e.type, searchAlias: e.alias })));
  });
});

describe('npm run forge:manifest', () => {
  const appId = '2f9a1c4e-7b3d-4e8f-9a61-0c5d2e7b8f14';

  it('writes the app id and the backend URL, keeps everything else, and the result is valid', async () => {
    const dir = copyOfForgeDir();
    const rendered = renderForgeManifest(text, { appId, baseUrl: 'https://flags.example.org/app/' });
    writeFileSync(path.join(dir, 'manifest.yml'), rendered);
    expect(await checkForgeManifest(path.join(dir, 'manifest.yml'))).toEqual([]);
    const out = parse(rendered) as Json;
    expect(out.app.id).toBe(`ari:cloud:ecosystem::app/${appId}`);
    expect(out.remotes[0].baseUrl).toBe('https://flags.example.org/app');
    expect({ ...out, app: manifest.app, remotes: manifest.remotes }).toEqual(manifest);
    // Comments stay, and rendering again with the same values changes nothing.
    expect(rendered).toContain('# The Forge app');
    expect(renderForgeManifest(rendered, { appId: `ari:cloud:ecosystem::app/${appId}`, baseUrl: 'https://flags.example.org/app' })).toBe(rendered);
  });

  it('refuses a plain-HTTP base URL and an app id that is not a UUID', () => {
    expect(() => renderForgeManifest(text, { appId, baseUrl: 'http://flags.example.org' })).toThrow(/HTTPS only/);
    expect(() => renderForgeManifest(text, { appId: 'my-app', baseUrl: 'https://flags.example.org' })).toThrow(/FORGE_APP_ID/);
  });

  it('reports what the Forge CLI would refuse (here: the Custom UI resource is missing)', async () => {
    const dir = copyOfForgeDir();
    rmSync(path.join(dir, 'static'), { recursive: true, force: true });
    const problems = await checkForgeManifest(path.join(dir, 'manifest.yml'));
    expect(problems.some((p) => p.level === 'error' && /static\/configure/.test(p.message))).toBe(true);
  });
});
