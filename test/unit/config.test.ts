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

  it('runs anywhere else on the local default, or on plain http', () => {
    expect(loadConfig({}).baseUrl).toBeUndefined();
    expect(loadConfig({ NODE_ENV: 'development', AC_LOCAL_BASE_URL: 'http://localhost:3000' }).baseUrl).toBe('http://localhost:3000');
  });
});
