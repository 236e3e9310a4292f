import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyDeployment, deploymentFact, type DeploymentFact, type DeploymentStep, type EnvironmentState } from '../../../src/environments/deployments.js';

let clock = 0;
const fact = (step: DeploymentStep, n: number, version: string | null, env = 'e1', name = 'production'): DeploymentFact => ({
  step,
  environmentId: env,
  environmentName: name,
  deploymentNumber: n,
  version,
  at: new Date(Date.UTC(2026, 0, 1, 0, 0, clock++)).toISOString(),
});
const run = (...facts: DeploymentFact[]): EnvironmentState | undefined => facts.reduce<EnvironmentState | undefined>((s, f) => applyDeployment(s, f), undefined);
const deployed = (s: EnvironmentState | undefined) => s?.deployed?.version ?? null;
const deploying = (s: EnvironmentState | undefined) => s?.deploying?.version ?? null;

describe('deploymentFact', () => {
  const at = new Date('2026-01-01T00:00:00Z');
  it('reads the step, environment, number and version of each deployment event type', () => {
    expect(deploymentFact('OnDeploymentStart', { Environment: { Id: 'env1', Name: ' Staging ' }, DeploymentNumber: '7', ConfigurationVersion: 3 }, at)).toEqual({
      step: 'start',
      environmentId: 'env1',
      environmentName: 'Staging',
      deploymentNumber: 7,
      version: '3',
      at: '2026-01-01T00:00:00.000Z',
    });
    expect(deploymentFact('OnDeploymentComplete', { Environment: { Id: 'env1' }, DeploymentNumber: 2, ConfigurationVersion: '4' }, at)).toMatchObject({ step: 'complete', environmentName: 'env1', version: '4' });
    expect(deploymentFact('OnDeploymentRolledBack', { Environment: { Id: 'env1', Name: '' }, DeploymentNumber: 2 }, at)).toMatchObject({ step: 'rolled_back', version: null });
  });

  it('skips what names no environment or no usable deployment number, and other event types', () => {
    expect(deploymentFact('OnDeploymentStart', { DeploymentNumber: 1 }, at)).toEqual({ skip: 'the deployment event names no environment' });
    expect(deploymentFact('OnDeploymentStart', { Environment: { Id: 'e' }, DeploymentNumber: 'x1' }, at)).toEqual({ skip: 'the deployment event has no deployment number' });
    expect(deploymentFact('OnDeploymentStart', { Environment: { Id: 'e' }, DeploymentNumber: -1 }, at)).toHaveProperty('skip');
    expect(deploymentFact('OnDeploymentStart', { Environment: { Id: 'e' }, DeploymentNumber: 1.5 }, at)).toHaveProperty('skip');
    expect(deploymentFact('OnDeploymentBaking', { Environment: { Id: 'e' }, DeploymentNumber: 1 }, at)).toHaveProperty('skip');
  });
});

describe('applyDeployment', () => {
  it('start shows the version under way; complete makes it the deployed one', () => {
    const started = run(fact('start', 1, '1'));
    expect([deployed(started), deploying(started)]).toEqual([null, '1']);
    const done = applyDeployment(started, fact('complete', 1, '1'));
    expect([deployed(done), deploying(done)]).toEqual(['1', null]);
  });

  it('a rollback of the deployment under way leaves the version completed before', () => {
    const s = run(fact('start', 1, '1'), fact('complete', 1, '1'), fact('start', 2, '2'), fact('rolled_back', 2, '2'));
    expect([deployed(s), deploying(s)]).toEqual(['1', null]);
    // ...and the rolled-back deployment's late completion changes nothing.
    expect(applyDeployment(s, fact('complete', 2, '2'))).toBe(s);
  });

  it('a rollback (revert) of the completed deployment brings back the version before it, once', () => {
    const s = run(fact('complete', 1, '1'), fact('complete', 2, '2'), fact('rolled_back', 2, '2'));
    expect(deployed(s)).toBe('1');
    expect(applyDeployment(s, fact('rolled_back', 2, '2'))).toBe(s);
  });

  it('a revert with no earlier version seen leaves the environment unknown, not guessed', () => {
    const s = run(fact('complete', 5, '2'), fact('rolled_back', 5, '2'));
    expect(s?.deployed).toBeNull();
  });

  it('a repeated or late event changes nothing (the same object)', () => {
    const s = run(fact('start', 3, '3'), fact('complete', 3, '3'));
    expect(applyDeployment(s, fact('complete', 3, '3'))).toBe(s);
    expect(applyDeployment(s, fact('start', 3, '3'))).toBe(s);
    expect(applyDeployment(s, fact('start', 2, '2'))).toBe(s);
    expect(applyDeployment(s, fact('complete', 2, '2'))).toBe(s);
  });

  it('keeps a newer deployment under way when an older one completes late', () => {
    const s = run(fact('start', 1, '1'), fact('start', 2, '2'), fact('complete', 1, '1'));
    expect([deployed(s), deploying(s)]).toEqual(['1', '2']);
  });

  it('a completion without a version leaves the version unknown', () => {
    const s = run(fact('complete', 1, '1'), fact('complete', 2, null));
    expect(s?.deployed).toMatchObject({ version: null, deploymentNumber: 2 });
  });

  it('follows the newest environment name', () => {
    const s = run(fact('complete', 1, '1', 'e1', 'prod'), fact('complete', 1, '1', 'e1', 'production'));
    expect(s?.environmentName).toBe('production');
  });

  it('for any sequence of events, applying each one twice gives the same state as applying it once', () => {
    const arb = fc.array(
      fc.record({ step: fc.constantFrom<DeploymentStep>('start', 'complete', 'rolled_back'), n: fc.integer({ min: 1, max: 6 }) }),
      { maxLength: 25 },
    );
    fc.assert(
      fc.property(arb, (events) => {
        const facts = events.map((e) => ({ ...fact(e.step, e.n, String(e.n)), at: '2026-01-01T00:00:00.000Z' }));
        const once = run(...facts);
        const twice = run(...facts.flatMap((f) => [f, f]));
        expect(twice).toEqual(once);
        // The deployed version is always one a completion named (or unknown), never invented.
        const completed = new Set(facts.filter((f) => f.step === 'complete').map((f) => f.version));
        if (once?.deployed) expect(completed.has(once.deployed.version)).toBe(true);
      }),
    );
  });
});

describe('an environment renamed in AWS', () => {
  it('takes the name of its newest deployment; a late event of an older one does not rename it back', () => {
    const renamed = run(fact('start', 6, '1', 'e1', 'staging'), fact('complete', 6, '1', 'e1', 'staging'), fact('complete', 7, '2', 'e1', 'preprod'));
    expect(renamed?.environmentName).toBe('preprod');
    // A redelivered start of deployment 6, sent before the rename.
    const late = applyDeployment(renamed, fact('start', 6, '1', 'e1', 'staging'));
    expect(late).toBe(renamed);
    expect(late.environmentName).toBe('preprod');
    // Nor does a late start of the newest deployment itself.
    expect(applyDeployment(late, fact('start', 7, '2', 'e1', 'staging')).environmentName).toBe('preprod');
    // A later deployment under yet another name renames it, even one that changes nothing else.
    expect(applyDeployment(late, fact('rolled_back', 8, null, 'e1', 'pre-production')).environmentName).toBe('pre-production');
  });
});
