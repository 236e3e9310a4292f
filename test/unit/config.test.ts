/** The environment an operator sets, as the app reads it. */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';

describe('loadConfig', () => {
  it('refuses to run in production without a public https base URL (AWS sends flag documents there)', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/AC_LOCAL_BASE_URL must be the app's public https:\/\/ URL when NODE_ENV=production, got none/);
    expect(() => loadConfig({ NODE_ENV: 'production', AC_LOCAL_BASE_URL: 'http://flags.example.com' })).toThrow(/got "http:\/\/flags.example.com"/);
    expect(loadConfig({ NODE_ENV: 'production', AC_LOCAL_BASE_URL: 'https://flags.example.com/' }).baseUrl).toBe('https://flags.example.com');
  });

  it('takes AWS_CALL_TIMEOUT_MS up to 60 s, and refuses a longer one by name', () => {
    expect(loadConfig({}).awsCallTimeoutMs).toBe(10_000);
    expect(loadConfig({ AWS_CALL_TIMEOUT_MS: '60000' }).awsCallTimeoutMs).toBe(60_000);
    expect(() => loadConfig({ AWS_CALL_TIMEOUT_MS: '90000' })).toThrow(/AWS_CALL_TIMEOUT_MS must be at most 60000 .*got "90000"/);
    expect(() => loadConfig({ AWS_CALL_TIMEOUT_MS: 'soon' })).toThrow(/AWS_CALL_TIMEOUT_MS must be a whole number/);
  });

  it('refuses settings that would break later, naming the variable and the allowed values', () => {
    const refused: [Record<string, string>, RegExp][] = [
      [{ LOG_LEVEL: 'verbose' }, /LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent, got "verbose"/],
      [{ WORKER: 'false' }, /WORKER must be "on" \(the default\) or "off", got "false"/],
      [{ WORKER_LEASE_MS: '500' }, /WORKER_LEASE_MS must be between 3000 and 3600000/],
      [{ WORKER_POLL_MS: '0' }, /WORKER_POLL_MS must be between 50 and 60000/],
      [{ BACKFILL_WAIT_MS: '120000' }, /BACKFILL_WAIT_MS must be between 0 and 60000/],
      [{ DATABASE_URL: 'mysql://root@localhost/flags' }, /DATABASE_URL must be a PostgreSQL URL/],
      [{ PORT: 'abc' }, /PORT must be a whole number, got "abc"/],
    ];
    for (const [env, message] of refused) expect(() => loadConfig(env), JSON.stringify(env)).toThrow(message);
    const ok = loadConfig({ LOG_LEVEL: 'debug', WORKER: 'OFF', WORKER_LEASE_MS: '3000', WORKER_POLL_MS: '50', DATABASE_URL: 'postgresql://u@h/db' });
    expect(ok).toMatchObject({ logLevel: 'debug', databaseUrl: 'postgresql://u@h/db', worker: { enabled: false, leaseMs: 3000, pollMs: 50 } });
  });

  it('runs anywhere else on the local default, or on plain http', () => {
    expect(loadConfig({}).baseUrl).toBeUndefined();
    expect(loadConfig({ NODE_ENV: 'development', AC_LOCAL_BASE_URL: 'http://localhost:3000' }).baseUrl).toBe('http://localhost:3000');
  });
});
