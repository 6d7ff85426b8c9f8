import { AuthError, createJwtVerifier, type TokenVerifier } from '@portcullis/core';
import {
  type AuthorizationServer,
  generateSigningKey,
  startAuthorizationServer,
} from '@portcullis/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BlackHole, startBlackHole } from './black-hole.js';

const RESOURCE = 'https://files.example.test/mcp';
const JWKS = { maxAgeMs: 60_000, maxStaleMs: 600_000, cooldownMs: 5_000, timeoutMs: 1_000 };
/** Hang detection only: a fetch past its deadline plus this much slack is a hang. */
const SLACK_MS = 2_000;

/** Verifies and says how it went: the subject, or the refusal's code. */
async function outcome(verifier: TokenVerifier, token: string) {
  const started = performance.now();
  try {
    const auth = await verifier.verify(token);
    return { result: `ok:${auth.subject}`, ms: performance.now() - started };
  } catch (error) {
    if (!(error instanceof AuthError)) throw error;
    return { result: error.code, ms: performance.now() - started };
  }
}

describe('the authorization server goes away and comes back with rotated keys', () => {
  let server: AuthorizationServer;
  let blackHole: BlackHole;
  let clock = Date.now();
  const warnings: string[] = [];
  let verifier: TokenVerifier;
  const mint = (subject: string, key?: Awaited<ReturnType<typeof generateSigningKey>>) =>
    server.mintToken({
      audience: RESOURCE,
      subject,
      scopes: ['files:read'],
      expiresIn: 86_400,
      key,
    });
  /**
   * JWKS fetches the verifier attempted, counted on its side: while the server plays
   * unreachable it drops connections before a request is read, so its own count would miss them.
   */
  let attempts = 0;
  const jwksFetches = () => attempts;
  const countingFetch: typeof fetch = (input, init) => {
    if (String(input instanceof Request ? input.url : input) === server.jwksUri) attempts += 1;
    return fetch(input, init);
  };

  beforeAll(async () => {
    server = await startAuthorizationServer();
    blackHole = await startBlackHole();
    verifier = createJwtVerifier({
      issuers: [{ issuer: server.issuer, jwksUri: server.jwksUri }],
      audience: RESOURCE,
      jwks: JWKS,
      now: () => clock,
      fetch: countingFetch,
      onWarning: (message) => warnings.push(message),
    });
  });
  afterAll(async () => {
    await server.close();
    await blackHole.close();
  });

  it('keeps cached keys until the stale limit, refuses unknown keys, never hangs, and takes the rotated keys when back', async () => {
    const before = await mint('before-outage');
    expect((await outcome(verifier, before)).result).toBe('ok:before-outage');
    expect(jwksFetches()).toBe(1);

    server.setReachable(false);
    // Within the keys' maximum age nothing is fetched: the token works.
    clock += JWKS.maxAgeMs / 2;
    expect((await outcome(verifier, before)).result).toBe('ok:before-outage');
    expect(jwksFetches()).toBe(1);

    // Past it, the refresh fails and the cached keys stay in use, with a warning.
    clock += JWKS.maxAgeMs;
    const stale = await outcome(verifier, before);
    expect(stale.result).toBe('ok:before-outage');
    expect(stale.ms).toBeLessThan(JWKS.timeoutMs + SLACK_MS);
    const afterStale = jwksFetches();
    expect(afterStale - 1, 'one refresh attempt').toBe(1);
    expect(warnings.some((warning) => warning.includes('keeping cached keys'))).toBe(true);

    // A key the issuer never published is refused as an invalid token, and a flood of them
    // costs at most one fetch per cooldown.
    const foreignKey = await generateSigningKey('RS256');
    const forged = await mint('forger', foreignKey);
    clock += JWKS.cooldownMs;
    const flood = await Promise.all(Array.from({ length: 20 }, () => outcome(verifier, forged)));
    expect(new Set(flood.map((attempt) => attempt.result))).toEqual(new Set(['invalid_token']));
    expect(Math.max(...flood.map((attempt) => attempt.ms))).toBeLessThan(JWKS.timeoutMs + SLACK_MS);
    expect(jwksFetches() - afterStale, 'twenty forged tokens, one refetch').toBe(1);

    // Just before the stale limit the cached key still works; at it, verification fails closed.
    clock += JWKS.maxStaleMs - JWKS.maxAgeMs * 1.5 - JWKS.cooldownMs - 1_000;
    expect((await outcome(verifier, before)).result).toBe('ok:before-outage');
    clock += 1_000;
    expect((await outcome(verifier, before)).result).toBe('unavailable');

    // Back, with every old key retired: new tokens work, old-key tokens are refused.
    await server.rotateKeys({ retireOld: true });
    server.setReachable(true);
    clock += JWKS.cooldownMs;
    const after = await mint('after-rotation');
    expect((await outcome(verifier, after)).result).toBe('ok:after-rotation');
    expect((await outcome(verifier, before)).result).toBe('invalid_token');
    expect((await outcome(verifier, forged)).result).toBe('invalid_token');
  });

  it('gives up on an authorization server that never answers at the fetch deadline', async () => {
    const hanging = createJwtVerifier({
      issuers: [{ issuer: server.issuer, jwksUri: blackHole.url }],
      audience: RESOURCE,
      jwks: JWKS,
      onWarning: () => undefined,
    });
    const token = await mint('cold-start');
    const attempts = await Promise.all([outcome(hanging, token), outcome(hanging, token)]);
    for (const attempt of attempts) {
      expect(attempt.result).toBe('unavailable');
      expect(attempt.ms).toBeGreaterThanOrEqual(JWKS.timeoutMs - 50);
      expect(attempt.ms).toBeLessThan(JWKS.timeoutMs + SLACK_MS);
    }
  });
});
