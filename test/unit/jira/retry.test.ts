import { describe, expect, it } from 'vitest';
import { backoffDelay, delayForRetryAfter, retryAfterFromHeaders } from '../../../src/jira/retry.js';

const now = Date.parse('2025-06-01T12:00:00Z');

describe('how long Jira asks us to wait', () => {
  it('reads Retry-After in seconds', () => {
    expect(retryAfterFromHeaders(new Headers({ 'Retry-After': '12' }), now)).toBe(12_000);
  });

  it('reads Retry-After as an HTTP date', () => {
    expect(retryAfterFromHeaders(new Headers({ 'Retry-After': 'Sun, 01 Jun 2025 12:00:30 GMT' }), now)).toBe(30_000);
  });

  it('falls back to X-RateLimit-Reset as Jira Cloud sends it (ISO 8601), or as epoch seconds', () => {
    expect(retryAfterFromHeaders(new Headers({ 'X-RateLimit-Reset': '2025-06-01T12:01:00Z' }), now)).toBe(60_000);
    expect(retryAfterFromHeaders(new Headers({ 'X-RateLimit-Reset': String(now / 1000 + 5) }), now)).toBe(5_000);
  });

  it('prefers Retry-After, and says nothing when neither header is there', () => {
    expect(retryAfterFromHeaders(new Headers({ 'Retry-After': '2', 'X-RateLimit-Reset': '2025-06-01T12:01:00Z' }), now)).toBe(2_000);
    expect(retryAfterFromHeaders(new Headers(), now)).toBeUndefined();
  });

  it('never waits less than Retry-After, and adds at most 5 % (and a second) of jitter', () => {
    expect(delayForRetryAfter(5_000, () => 0)).toBe(5_000);
    expect(delayForRetryAfter(5_000, () => 0.999)).toBeLessThan(5_250); // 5 %: the site's gate, not jitter, keeps this process's calls apart
    expect(delayForRetryAfter(1_000, () => 0.999)).toBeLessThan(1_050);
    expect(delayForRetryAfter(120_000, () => 0.999)).toBeLessThan(121_000);
  });

  it('backs off exponentially with jitter, capped at 30 s', () => {
    expect(backoffDelay(1, () => 0)).toBe(250);
    expect(backoffDelay(3, () => 0.999)).toBeLessThanOrEqual(2_000);
    expect(backoffDelay(3, () => 0)).toBe(1_000);
    expect(backoffDelay(20, () => 0.999)).toBeLessThanOrEqual(30_000);
  });
});
