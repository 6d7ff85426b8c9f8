import { type AuthorizationServer, startAuthorizationServer } from '@portcullis/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCachingVerifier, createJwtVerifier, type TokenVerifier } from '../src/index.js';
import { createClock } from './helpers.js';

const RESOURCE = 'https://mcp.example.test/mcp';

/** Counts how often the real verifier underneath is asked. */
function counting(verifier: TokenVerifier) {
  const counter = { calls: 0 };
  return {
    counter,
    verifier: {
      verify: (token: string) => {
        counter.calls += 1;
        return verifier.verify(token);
      },
    } satisfies TokenVerifier,
  };
}

describe('the verified-token cache', () => {
  let as: AuthorizationServer;
  beforeAll(async () => {
    as = await startAuthorizationServer();
  });
  afterAll(() => as.close());

  it('verifies a token once while it is valid, and shares a verification in flight', async () => {
    const { counter, verifier } = counting(
      createJwtVerifier({ issuers: [as.issuer], audience: RESOURCE }),
    );
    const cached = createCachingVerifier(verifier);
    const token = await as.mintToken({ audience: RESOURCE, subject: 'busy' });
    const concurrent = await Promise.all(Array.from({ length: 10 }, () => cached.verify(token)));
    expect(concurrent.every((auth) => auth.subject === 'busy')).toBe(true);
    await cached.verify(token);
    expect(counter.calls).toBe(1);
  });

  it('never serves a token at or after its exp, when the verifier would refuse it', async () => {
    const clock = createClock();
    const { counter, verifier } = counting(
      createJwtVerifier({
        issuers: [as.issuer],
        audience: RESOURCE,
        now: clock.now,
        clockToleranceSeconds: 0,
      }),
    );
    const cached = createCachingVerifier(verifier, { now: clock.now });
    const token = await as.mintToken({
      audience: RESOURCE,
      expiresIn: 60,
      issuedAt: Math.floor(clock.now() / 1000),
    });
    await cached.verify(token);
    clock.advance(59_000);
    await cached.verify(token);
    expect(counter.calls).toBe(1);
    clock.advance(1_000);
    await expect(cached.verify(token)).rejects.toThrow('token has expired');
    expect(counter.calls).toBe(2);
  });

  it('re-verifies after maxAgeSeconds, so a withdrawn key stops working', async () => {
    const clock = createClock();
    const { counter, verifier } = counting(
      createJwtVerifier({ issuers: [as.issuer], audience: RESOURCE, now: clock.now }),
    );
    const cached = createCachingVerifier(verifier, { now: clock.now, maxAgeSeconds: 10 });
    const token = await as.mintToken({ audience: RESOURCE });
    await cached.verify(token);
    clock.advance(10_000);
    await cached.verify(token);
    expect(counter.calls).toBe(2);
  });

  it('does not cache failures and stays bounded', async () => {
    const { counter, verifier } = counting(
      createJwtVerifier({ issuers: [as.issuer], audience: RESOURCE }),
    );
    const cached = createCachingVerifier(verifier, { maxEntries: 2 });
    const expired = await as.mintToken({ audience: RESOURCE, expiresIn: -100 });
    await expect(cached.verify(expired)).rejects.toThrow();
    await expect(cached.verify(expired)).rejects.toThrow();
    expect(counter.calls).toBe(2);
    const tokens = await Promise.all(
      ['a', 'b', 'c'].map((subject) => as.mintToken({ audience: RESOURCE, subject })),
    );
    for (const token of tokens) await cached.verify(token);
    await cached.verify(tokens[2]!);
    await cached.verify(tokens[0]!);
    expect(counter.calls).toBe(2 + 3 + 1);
  });
});
