/**
 * The logger takes whatever a caller hands it (a parsed request body, an SDK error, a whole event):
 * a 5,000-deep object, a 5 MB string, a 200,000-key object, an error with a 5,000-long cause chain or a
 * throwing getter must each give one bounded, parseable line, with secrets still redacted.
 */
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import { LOG_LIMITS } from '../../src/log-bounds.js';

function capture() {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, cb) {
      lines.push(chunk.toString());
      cb();
    },
  });
  return { log: createLogger('info', sink), lines };
}

const nestedArrays = (depth: number): unknown => {
  let v: unknown = 'core';
  for (let i = 0; i < depth; i++) v = [v];
  return v;
};
const nestedObjects = (depth: number): Record<string, unknown> => {
  const root: Record<string, unknown> = {};
  let cur = root;
  for (let i = 0; i < depth; i++) cur = (cur.a = {}) as Record<string, unknown>;
  return root;
};
const causeChain = (length: number): Error => {
  const top = new Error('top');
  let cur: Error = top;
  for (let i = 0; i < length; i++) cur = (cur as { cause?: unknown }).cause = new Error(`cause ${i}`);
  return top;
};
/** Calls fn with `frames` frames already on the stack, as deep inside a middleware chain. */
const underStack = (frames: number, fn: () => void): void => (frames === 0 ? fn() : underStack(frames - 1, fn));

const MAX_LINE = 64 * 1024;
const FIVE_MB = 'y'.repeat(5 * 1024 * 1024);

describe('log lines stay bounded whatever is logged', () => {
  const cases: [string, (log: ReturnType<typeof createLogger>) => void][] = [
    ['a 5,000-deep array in a field', (log) => log.warn({ body: nestedArrays(5000) }, 'unauthenticated request')],
    ['a 5,000-deep object as the merge object', (log) => log.info(nestedObjects(5000), 'x')],
    ['a 5,000-deep array with 8,000 frames on the stack', (log) => underStack(8000, () => log.warn({ body: nestedArrays(5000) }, 'x'))],
    ['a 5 MB string in a field', (log) => log.info({ body: FIVE_MB }, 'x')],
    ['a 5 MB message', (log) => log.info(FIVE_MB)],
    ['a 5 MB format argument', (log) => log.info('body: %s', FIVE_MB)],
    ['an error with a 5 MB message', (log) => log.error({ err: new Error(FIVE_MB) }, 'failed')],
    ['an error logged alone', (log) => log.error(new Error(FIVE_MB))],
    ['an error with 5,000 causes', (log) => log.error({ err: causeChain(5000) }, 'failed')],
    ['an object with 200,000 keys', (log) => log.info({ body: Object.fromEntries(Array.from({ length: 200_000 }, (_, i) => [`k${i}`, i])) }, 'x')],
    ['an array of 200,000 strings of 1 KB', (log) => log.info({ body: Array.from({ length: 200_000 }, () => 'z'.repeat(1024)) }, 'x')],
    [
      'a cycle and a throwing getter',
      (log) => {
        const o: Record<string, unknown> = { name: 'loop' };
        o.self = o;
        Object.defineProperty(o, 'bad', { enumerable: true, get: () => { throw new Error('getter'); } });
        log.info({ o }, 'x');
      },
    ],
  ];

  it.each(cases)('%s: one parseable line under 64 KB', (_name, write) => {
    const { log, lines } = capture();
    expect(() => write(log)).not.toThrow();
    expect(lines).toHaveLength(1);
    expect(lines[0]!.length).toBeLessThan(MAX_LINE);
    expect(() => JSON.parse(lines[0]!)).not.toThrow();
  });

  it('keeps what an operator needs: the start of a long string, the error type, message and stack, a marker where it cut', () => {
    const { log, lines } = capture();
    log.error({ err: causeChain(50), body: nestedArrays(50), text: `start-${FIVE_MB}` }, 'failed');
    const line = JSON.parse(lines[0]!) as { err: { type: string; message: string; stack: string; cause: unknown }; body: unknown; text: string; msg: string };
    expect(line.msg).toBe('failed');
    expect(line.err).toMatchObject({ type: 'Error', message: 'top' });
    expect(line.err.stack).toContain('Error: top');
    expect(JSON.stringify(line.err)).toContain('cause 0');
    expect(JSON.stringify(line.err)).toContain('[nested too deep]');
    expect(JSON.stringify(line.body)).toContain('[nested too deep]');
    expect(line.text.startsWith('start-yyyy')).toBe(true);
    expect(line.text.length).toBeLessThan(LOG_LIMITS.stringChars + 100);
    expect(line.text).toMatch(/more characters\]$/);
  });

  it('still redacts secrets, also in a bounded copy of a huge object', () => {
    const { log, lines } = capture();
    const wide = Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`k${i}`, i]));
    log.info(
      { req: { headers: { authorization: 'JWT secret.jwt.token' } }, secretAccessKey: 'AWS-SECRET-1', body: { ...wide, sharedSecret: 'SHARED-2' }, aws: { sessionToken: 'TOKEN-3' } },
      'x',
    );
    log.error({ err: Object.assign(new Error('sdk'), { credentials: { secretAccessKey: 'AWS-SECRET-4' } }) }, 'x');
    log.warn({ req: { headers: { 'x-forge-oauth-system': 'FORGE-SYSTEM-5', 'x-forge-oauth-user': 'FORGE-USER-6' } } }, 'x');
    log.warn({ headers: { 'x-forge-oauth-system': 'FORGE-SYSTEM-7' } }, 'x');
    const text = lines.join('');
    for (const secret of ['secret.jwt.token', 'AWS-SECRET-1', 'TOKEN-3', 'AWS-SECRET-4', 'FORGE-SYSTEM-5', 'FORGE-USER-6', 'FORGE-SYSTEM-7']) expect(text).not.toContain(secret);
    // Past the 50th key the rest are dropped, not printed: the shared secret cannot surface either way.
    expect(text).not.toContain('SHARED-2');
  });
});
