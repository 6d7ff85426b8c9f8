import { describe, expect, it } from 'vitest';
import { createScopePolicy, parseScopeValue } from './scope-policy.js';

describe('scope policy', () => {
  it('requires all of a set', () => {
    const policy = createScopePolicy();
    expect(policy.allows([], [])).toBe(true);
    expect(policy.allows(['a', 'b'], ['b', 'a', 'c'])).toBe(true);
    expect(policy.missing(['a', 'b', 'c'], ['b'])).toEqual(['a', 'c']);
  });

  it('applies one level of implications with * patterns, escaping everything else', () => {
    const policy = createScopePolicy({
      implications: { read: ['*:read'], 'files.all': ['files.*'], weird: ['a+b'] },
    });
    expect(policy.allows(['files:read', 'users:read'], ['read'])).toBe(true);
    expect(policy.allows(['files:write'], ['read'])).toBe(false);
    expect(policy.allows(['files.x'], ['files.all'])).toBe(true);
    expect(policy.allows(['filesXx'], ['files.all'])).toBe(false);
    expect(policy.allows(['aab'], ['weird'])).toBe(false);
    expect(policy.allows(['a+b'], ['weird'])).toBe(true);
  });

  it('parses scope strings and arrays', () => {
    expect(parseScopeValue('a  b c')).toEqual(['a', 'b', 'c']);
    expect(parseScopeValue(['a', 3, 'b'])).toEqual(['a', 'b']);
    expect(parseScopeValue(undefined)).toEqual([]);
  });
});
