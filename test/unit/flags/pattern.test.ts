import { describe, expect, it } from 'vitest';
import { compilePattern, isSafePattern } from '../../../src/flags/validate/pattern.js';

describe('constraint patterns', () => {
  it.each(['^[a-z]+$', '^v\\d+\\.\\d+$', '^[A-Z]{2}-\\d{4}$', 'blue', '^https://.+$', '^(foo|bar)$', '^\\S*$', '^[^\\]]+$'])(
    'runs the everyday pattern %s',
    (pattern) => {
      expect(isSafePattern(pattern)).toBe(true);
      expect(compilePattern(pattern)).toBeInstanceOf(RegExp);
    },
  );

  it.each(['^(a+)+$', '(a|a)*$', '(a*)*b', '((ab)*)+', '(\\w+\\s?)*$', '^(a|b)+c$', '(.)\\1', 'a*a*a*b', 'a?a?a?a?a?a?a?aaaaaaa', '(x', 'x)'])(
    'refuses to run %s, which could backtrack for minutes (or is malformed)',
    (pattern) => {
      expect(isSafePattern(pattern)).toBe(false);
      expect(compilePattern(pattern)).toBeUndefined();
    },
  );

  it('gives up on a pattern JavaScript cannot compile instead of failing the document', () => {
    expect(compilePattern('[z-a]')).toBeUndefined();
    expect(compilePattern('\\p{L}+')).toBeInstanceOf(RegExp);
  });

  it('every pattern it does run finishes fast on a hostile 1024-character value', () => {
    const value = `${'a'.repeat(1023)}!`;
    for (const pattern of ['^a*a*$', '^(ab|cd)$', '^\\w+@\\w+$', '^a+b?$']) {
      const re = compilePattern(pattern);
      const started = Date.now();
      expect(re).toBeDefined();
      re?.test(value);
      expect(Date.now() - started).toBeLessThan(200);
    }
  });
});
