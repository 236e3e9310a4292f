import { describe, expect, it } from 'vitest';
import { appConfigConsoleUrl } from '../../../src/environments/console-link.js';
import { applyDeployment, type DeploymentFact, type EnvironmentState } from '../../../src/environments/deployments.js';
import { environmentType, flagEnvironments, flagReachedAnEnvironment, flagStateProperty } from '../../../src/environments/flag-environments.js';

const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s)).toISOString();
const env = (id: string, name: string, ...steps: [DeploymentFact['step'], number, string | null][]): EnvironmentState =>
  steps.reduce<EnvironmentState | undefined>(
    (s, [step, n, version], i) => applyDeployment(s, { step, environmentId: id, environmentName: name, deploymentNumber: n, version, at: at(i) }),
    undefined,
  )!;
const versions: Record<string, Record<string, boolean>> = {
  '1': { checkout: false, banner: true },
  '2': { checkout: true, banner: true, search: false },
};
const values = (v: string) => versions[v];

describe('environmentType', () => {
  it.each([
    ['production', 'production'],
    ['Prod', 'production'],
    ['prod-eu', 'production'],
    ['live', 'production'],
    ['staging', 'staging'],
    ['pre-production', 'staging'],
    ['Stage 2', 'staging'],
    ['uat', 'staging'],
    ['test', 'testing'],
    ['QA', 'testing'],
    ['integration_tests', 'testing'],
    ['dev', 'development'],
    ['development', 'development'],
    ['local.sandbox', 'development'],
  ])('%s is %s', (name, type) => expect(environmentType(name)).toBe(type));

  it.each(['Beta', 'eu-west', 'mobile', 'canary', 'product-team', 'ops-tools', 'protest', 'non-prod', 'Non_Production', 'non prod', 'not-prod', 'nonprod'])('%s states no type', (name) => {
    expect(environmentType(name)).toBeUndefined();
  });
});

describe('flagEnvironments', () => {
  it('per environment: the value in the version completed there, the version under way, ordered by name', () => {
    const prod = env('p', 'production', ['complete', 1, '1'], ['start', 2, '2']);
    const staging = env('s', 'staging', ['complete', 1, '2']);
    const views = flagEnvironments('checkout', [prod, staging], values);
    expect(views.map((v) => [v.environmentName, v.environmentType, v.enabled, v.deployedVersion])).toEqual([
      ['production', 'production', false, '1'],
      ['staging', 'staging', true, '2'],
    ]);
    expect(views[0]!.deploying).toEqual({ version: '2', deploymentNumber: 2, since: at(1), enabled: true });
    expect(views[1]!.deploying).toBeNull();
  });

  it('a version the app never saw is unknown; a flag missing from a known version is off', () => {
    const old = env('o', 'old', ['complete', 1, '0']);
    const staging = env('s', 'staging', ['complete', 1, '1']);
    const firstRun = env('n', 'new', ['start', 1, '2']);
    const views = flagEnvironments('search', [old, staging, firstRun], values);
    expect(views.map((v) => [v.environmentName, v.enabled])).toEqual([
      ['new', null],
      ['old', null],
      ['staging', false],
    ]);
    expect(views.find((v) => v.environmentName === 'new')?.environmentType).toBeUndefined();
  });

  it('a flag reached an environment once a version holding it was deployed or is deploying there', () => {
    expect(flagReachedAnEnvironment('search', [env('s', 'staging', ['complete', 1, '1'])], values)).toBe(false);
    expect(flagReachedAnEnvironment('search', [env('s', 'staging', ['start', 1, '2'])], values)).toBe(true);
    expect(flagReachedAnEnvironment('checkout', [env('s', 'staging', ['complete', 1, '9'])], values)).toBe(false);
  });

  it('a flag named like an Object member ("toString", "constructor") is off where its version lacks it, and has not reached it', () => {
    // Version values are plain objects (parsed from JSON): only their own keys are flags.
    const staging = env('s', 'staging', ['complete', 1, '1'], ['start', 2, '2']);
    for (const key of ['toString', 'constructor', 'valueOf', 'hasOwnProperty']) {
      const [view] = flagEnvironments(key, [staging], values);
      expect([view!.enabled, view!.deploying?.enabled], key).toEqual([false, false]);
      expect(flagReachedAnEnvironment(key, [staging], values), key).toBe(false);
      expect(flagStateProperty([view!]), key).toEqual({ enabledIn: [], disabledIn: ['staging'], deployedVersion: { staging: '1' } });
    }
    const withIt = (v: string) => (v === '2' ? { ...versions['2'], toString: true } : versions[v]);
    expect(flagReachedAnEnvironment('toString', [staging], withIt)).toBe(true);
    expect(flagEnvironments('toString', [staging], withIt)[0]!.deploying?.enabled).toBe(true);
  });
});

describe('flagStateProperty', () => {
  it('lists where the flag is on and off, and the version deployed per environment; unknown is in neither list', () => {
    const envs = [
      env('p', 'production', ['complete', 1, '1']),
      env('s', 'staging', ['complete', 1, '2']),
      env('d', 'dev', ['complete', 1, '7']),
      env('t', 'test', ['start', 1, '2']),
    ];
    expect(flagStateProperty(flagEnvironments('checkout', envs, values))).toEqual({
      enabledIn: ['staging'],
      disabledIn: ['production'],
      deployedVersion: { dev: '7', production: '1', staging: '2' },
    });
  });
  it('keeps an environment whose name is "__proto__" in deployedVersion, as its own key', () => {
    const odd = env('x', '__proto__', ['complete', 1, '2']);
    const property = flagStateProperty(flagEnvironments('checkout', [odd], values));
    expect(property.enabledIn).toEqual(['__proto__']);
    expect(JSON.parse(JSON.stringify(property)).deployedVersion).toEqual(JSON.parse('{"__proto__":"2"}'));
    expect(Object.getPrototypeOf(property.deployedVersion)).toBe(Object.prototype);
  });
});

describe('appConfigConsoleUrl', () => {
  it("opens the profile in the AppConfig console of the profile's Region", () => {
    expect(appConfigConsoleUrl({ region: 'eu-west-1', applicationId: 'abc1234', configurationProfileId: 'xyz9876' })).toBe(
      'https://eu-west-1.console.aws.amazon.com/appconfig/home?region=eu-west-1#/applications/abc1234/configurationprofiles/xyz9876',
    );
  });

  it('uses the console of the China and GovCloud partitions', () => {
    expect(appConfigConsoleUrl({ region: 'cn-north-1', applicationId: 'a', configurationProfileId: 'p' })).toMatch(/^https:\/\/cn-north-1\.console\.amazonaws\.cn\/appconfig\//);
    expect(appConfigConsoleUrl({ region: 'us-gov-west-1', applicationId: 'a', configurationProfileId: 'p' })).toMatch(/^https:\/\/us-gov-west-1\.console\.amazonaws-us-gov\.com\//);
  });

  it('escapes ids and refuses a Region that is not one', () => {
    expect(appConfigConsoleUrl({ region: 'us-east-1', applicationId: 'a/b', configurationProfileId: 'p#' })).toContain('/applications/a%2Fb/configurationprofiles/p%23');
    expect(() => appConfigConsoleUrl({ region: 'evil.com/x', applicationId: 'a', configurationProfileId: 'p' })).toThrow(RangeError);
  });
});
