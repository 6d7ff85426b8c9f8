import { describe, expect, it } from 'vitest';
import { createMemoryRateLimiter } from './rate-limiter.js';

describe('memory rate limiter', () => {
  it('allows a burst of limit, then refills evenly over the window', () => {
    let now = 0;
    const limiter = createMemoryRateLimiter({ limit: 3, windowMs: 3000, now: () => now });
    expect([1, 2, 3].map(() => limiter.consume('alice'))).toEqual([
      { allowed: true },
      { allowed: true },
      { allowed: true },
    ]);
    expect(limiter.consume('alice')).toEqual({ allowed: false, retryAfterSeconds: 1 });
    expect(limiter.consume('bob')).toEqual({ allowed: true });
    now = 1000;
    expect(limiter.consume('alice')).toEqual({ allowed: true });
    expect(limiter.consume('alice').allowed).toBe(false);
  });
});
