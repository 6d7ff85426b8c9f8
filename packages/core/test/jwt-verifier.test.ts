import {
  type AuthorizationServer,
  generateSigningKey,
  startAuthorizationServer,
} from '@portcullis/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthError, createJwtVerifier, type JwtVerifierOptions } from '../src/index.js';
import { createClock, forgeToken } from './helpers.js';

const RESOURCE = 'https://mcp.example.test/mcp';

async function refusal(promise: Promise<unknown>): Promise<AuthError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(AuthError);
  return error as AuthError;
}

describe('JWT verification against a real authorization server', () => {
  let as: AuthorizationServer;
  let other: AuthorizationServer;
  const warnings: string[] = [];
  const verifierFor = (options: Partial<JwtVerifierOptions> = {}) =>
    createJwtVerifier({
      issuers: [as.issuer],
      audience: RESOURCE,
      onWarning: (message) => warnings.push(message),
      ...options,
    });

  beforeAll(async () => {
    as = await startAuthorizationServer({ algorithms: ['RS256', 'ES256'] });
    other = await startAuthorizationServer();
  });
  afterAll(async () => {
    await as.close();
    await other.close();
  });

  it('accepts a token issued through the client credentials grant, found by discovery', async () => {
    const client = await as.registerClient();
    const { access_token } = await as.clientCredentialsToken({
      clientId: client.clientId,
      clientSecret: client.clientSecret!,
      scope: 'files:read files:list',
      resource: RESOURCE,
    });
    const auth = await verifierFor().verify(access_token);
    expect(auth).toMatchObject({
      issuer: as.issuer,
      clientId: client.clientId,
      subject: client.clientId,
      scopes: ['files:read', 'files:list'],
      token: access_token,
    });
    expect(auth.resource?.href).toBe(RESOURCE);
    expect(auth.extra).toEqual({ issuer: as.issuer, subject: client.clientId });
    expect(auth.expiresAt).toBeGreaterThan(Date.now() / 1000);
  });

  it('accepts a user token from the authorization code grant with PKCE and a resource indicator', async () => {
    const client = await as.registerClient({
      grantTypes: ['authorization_code'],
      redirectUris: ['http://127.0.0.1/cb'],
    });
    const { access_token } = await as.authorizationCodeToken({
      clientId: client.clientId,
      clientSecret: client.clientSecret,
      redirectUri: 'http://127.0.0.1/cb',
      scope: 'files:write',
      resource: RESOURCE,
      subject: 'alice',
    });
    const auth = await verifierFor().verify(access_token);
    expect(auth).toMatchObject({
      subject: 'alice',
      clientId: client.clientId,
      scopes: ['files:write'],
    });
  });

  it('accepts ES256 tokens and an explicit jwks_uri', async () => {
    const token = await as.mintToken({ audience: RESOURCE, alg: 'ES256', scopes: ['files:read'] });
    const auth = await createJwtVerifier({
      issuers: [{ issuer: as.issuer, jwksUri: as.jwksUri }],
      audience: RESOURCE,
    }).verify(token);
    expect(auth.scopes).toEqual(['files:read']);
  });

  it('refuses an expired token', async () => {
    const token = await as.mintToken({ audience: RESOURCE, expiresIn: -60 });
    expect((await refusal(verifierFor().verify(token))).message).toBe('token has expired');
  });

  it('forgives a clock behind the issuer (nbf) but never a token past its exp', async () => {
    const early = await as.mintToken({ audience: RESOURCE, notBeforeIn: 3 });
    await expect(verifierFor({ clockToleranceSeconds: 10 }).verify(early)).resolves.toBeDefined();
    await expect(verifierFor({ clockToleranceSeconds: 0 }).verify(early)).rejects.toThrow(
      'not valid yet',
    );
    const expired = await as.mintToken({ audience: RESOURCE, expiresIn: -3 });
    await expect(verifierFor({ clockToleranceSeconds: 10 }).verify(expired)).rejects.toThrow(
      'token has expired',
    );
  });

  it('refuses a token whose nbf is in the future', async () => {
    const token = await as.mintToken({ audience: RESOURCE, notBeforeIn: 600 });
    expect((await refusal(verifierFor().verify(token))).message).toMatch(/not valid yet/);
  });

  it('refuses a token issued in the future', async () => {
    const token = await as.mintToken({
      audience: RESOURCE,
      issuedAt: Math.floor(Date.now() / 1000) + 600,
    });
    expect((await refusal(verifierFor().verify(token))).message).toMatch(/issued in the future/);
  });

  it('refuses a token without exp', async () => {
    const token = await as.mintToken({ audience: RESOURCE, claims: { exp: undefined } });
    expect((await refusal(verifierFor().verify(token))).message).toMatch(/"exp"/);
  });

  it('refuses a token of an untrusted issuer before any network access', async () => {
    const token = await other.mintToken({ audience: RESOURCE });
    const before =
      other.requestCount('/jwks') + other.requestCount('/.well-known/openid-configuration');
    const error = await refusal(verifierFor().verify(token));
    expect(error.code).toBe('invalid_token');
    expect(error.message).toBe(`token issuer "${other.issuer}" is not trusted`);
    expect(
      other.requestCount('/jwks') + other.requestCount('/.well-known/openid-configuration'),
    ).toBe(before);
  });

  it('refuses a token signed by another server that claims our issuer', async () => {
    const token = await other.mintToken({
      audience: RESOURCE,
      issuer: as.issuer,
      header: { kid: as.keys[0]!.kid },
    });
    expect((await refusal(verifierFor().verify(token))).message).toBe('token signature is invalid');
  });

  it('trusts several issuers, each with its own keys', async () => {
    const verifier = createJwtVerifier({ issuers: [as.issuer, other.issuer], audience: RESOURCE });
    const fromA = await verifier.verify(await as.mintToken({ audience: RESOURCE, subject: 'a' }));
    const fromB = await verifier.verify(
      await other.mintToken({ audience: RESOURCE, subject: 'b' }),
    );
    expect([fromA.issuer, fromA.subject, fromB.issuer, fromB.subject]).toEqual([
      as.issuer,
      'a',
      other.issuer,
      'b',
    ]);
  });

  it('refuses a wrong audience, saying what it expected and what it got', async () => {
    const token = await as.mintToken({ audience: 'https://elsewhere.example/mcp' });
    expect((await refusal(verifierFor().verify(token))).message).toBe(
      `token audience https://elsewhere.example/mcp is not accepted here; expected one of ${RESOURCE}`,
    );
  });

  it('accepts an audience array containing an allowed value, and client ids on the allowlist', async () => {
    const token = await as.mintToken({ audience: ['machine-client-7'] });
    await expect(verifierFor().verify(token)).rejects.toThrow(/not accepted here/);
    const auth = await verifierFor({ audience: [RESOURCE, 'machine-client-7'] }).verify(token);
    expect(auth.resource).toBeUndefined();
  });

  it('cannot be configured without an audience, nor with HMAC or none', () => {
    expect(() => createJwtVerifier({ issuers: [as.issuer], audience: [] })).toThrow(/audience/);
    expect(() =>
      createJwtVerifier({ issuers: [as.issuer], audience: RESOURCE, algorithms: ['HS256'] }),
    ).toThrow(/HS256/);
    expect(() =>
      createJwtVerifier({ issuers: [as.issuer], audience: RESOURCE, algorithms: ['none'] }),
    ).toThrow(/none/);
  });

  it('refuses alg none', async () => {
    const valid = await as.mintToken({ audience: RESOURCE });
    const [header, payload] = valid.split('.');
    const unsigned = `${Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(header!, 'base64url').toString()), alg: 'none' })).toString('base64url')}.${payload}.`;
    expect((await refusal(verifierFor().verify(unsigned))).message).toBe('token is unsigned');
    const withSignature = forgeToken(
      { alg: 'none', typ: 'at+jwt' },
      JSON.parse(Buffer.from(payload!, 'base64url').toString()),
    );
    expect((await refusal(verifierFor().verify(withSignature))).message).toMatch(
      /algorithm "none" is not accepted/,
    );
  });

  it('refuses HS256 signed with the RSA public key (algorithm confusion)', async () => {
    const key = as.keys[0]!;
    const claims = {
      iss: as.issuer,
      sub: 'mallory',
      aud: RESOURCE,
      exp: Math.floor(Date.now() / 1000) + 600,
      scope: 'admin',
    };
    const publicPem = (await import('node:crypto'))
      .createPublicKey({ key: key.publicJwk as never, format: 'jwk' })
      .export({ type: 'spki', format: 'pem' });
    const forged = forgeToken({ alg: 'HS256', typ: 'at+jwt', kid: key.kid }, claims, publicPem);
    expect((await refusal(verifierFor().verify(forged))).message).toMatch(
      /algorithm "HS256" is not accepted/,
    );
  });

  it('refuses a token whose typ is not an access token type, and one without typ when required', async () => {
    const dpop = await as.mintToken({ audience: RESOURCE, header: { typ: 'dpop+jwt' } });
    expect((await refusal(verifierFor().verify(dpop))).message).toMatch(/token type "dpop\+jwt"/);
    const untyped = await as.mintToken({ audience: RESOURCE, header: { typ: undefined } });
    await expect(verifierFor().verify(untyped)).resolves.toBeDefined();
    await expect(verifierFor({ requireTokenType: true }).verify(untyped)).rejects.toThrow(
      /token type undefined/,
    );
  });

  it('refuses refresh tokens and id tokens signed with the same key', async () => {
    const refresh = await as.mintToken({ audience: RESOURCE, tokenType: 'refresh-token' });
    expect((await refusal(verifierFor().verify(refresh))).message).toBe(
      'expected an access token, got tokenType "refresh-token"',
    );
    const idToken = await as.mintToken({
      audience: RESOURCE,
      claims: { nonce: 'n-0S6_WzA2Mj', at_hash: 'x' },
    });
    expect((await refusal(verifierFor().verify(idToken))).message).toMatch(/id token/);
  });

  it('refuses oversized and malformed tokens before fetching any key', async () => {
    const verifier = verifierFor();
    const fetchesBefore =
      as.requestCount('/jwks') + as.requestCount('/.well-known/openid-configuration');
    const cases: Array<[string, RegExp]> = [
      ['a'.repeat(9000), /at most 8192/],
      ['not-a-jwt', /three dot-separated parts/],
      ['a.b.c.d.e', /JWE/],
      ['%%%.e30.sig', /not base64url/],
      [`${Buffer.from('not json').toString('base64url')}.e30.sig`, /header is not JSON/],
      [`${Buffer.from('[1]').toString('base64url')}.e30.sig`, /header is not a JSON object/],
      [forgeToken({ alg: 'RS256', kid: 7 }, { iss: as.issuer }), /"kid" is not a string/],
      [forgeToken({ alg: 'RS256', crit: ['b64'] }, { iss: as.issuer }), /critical/],
    ];
    for (const [token, message] of cases) {
      const error = await refusal(verifier.verify(token));
      expect(error.code).toBe('invalid_token');
      expect(error.message).toMatch(message);
    }
    expect(as.requestCount('/jwks') + as.requestCount('/.well-known/openid-configuration')).toBe(
      fetchesBefore,
    );
  });

  it('refetches the JWKS once per cooldown for unknown kids: 100 forged kids, one fetch', async () => {
    const clock = createClock();
    const verifier = verifierFor({ now: clock.now, jwks: { cooldownMs: 30_000 } });
    await verifier.verify(await as.mintToken({ audience: RESOURCE }));
    const afterWarmUp = as.requestCount('/jwks');

    clock.advance(31_000);
    const stranger = await generateSigningKey('RS256');
    const forged = await Promise.all(
      Array.from({ length: 100 }, (_, index) =>
        as.mintToken({ audience: RESOURCE, key: { ...stranger, kid: `forged-${index}` } }),
      ),
    );
    const errors = await Promise.all(forged.map((token) => refusal(verifier.verify(token))));
    expect(
      errors.every((error) => /no signing key with kid "forged-\d+"/.test(error.message)),
    ).toBe(true);
    expect(as.requestCount('/jwks') - afterWarmUp).toBe(1);

    await refusal(verifier.verify(forged[0]!));
    expect(as.requestCount('/jwks') - afterWarmUp).toBe(1);
    clock.advance(31_000);
    await refusal(verifier.verify(forged[1]!));
    expect(as.requestCount('/jwks') - afterWarmUp).toBe(2);
  });

  it('picks up a rotated key after the cooldown', async () => {
    const server = await startAuthorizationServer();
    try {
      const clock = createClock();
      const verifier = createJwtVerifier({
        issuers: [server.issuer],
        audience: RESOURCE,
        now: clock.now,
      });
      await verifier.verify(await server.mintToken({ audience: RESOURCE }));
      await server.rotateKeys();
      const rotated = await server.mintToken({ audience: RESOURCE, subject: 'after-rotation' });
      clock.advance(31_000);
      expect((await verifier.verify(rotated)).subject).toBe('after-rotation');
      expect(server.requestCount('/jwks')).toBe(2);
    } finally {
      await server.close();
    }
  });

  it('keeps cached keys while the JWKS is unreachable, and warns', async () => {
    const server = await startAuthorizationServer();
    try {
      const clock = createClock();
      const seen: string[] = [];
      const verifier = createJwtVerifier({
        issuers: [server.issuer],
        audience: RESOURCE,
        now: clock.now,
        onWarning: (m) => seen.push(m),
      });
      await verifier.verify(await server.mintToken({ audience: RESOURCE }));
      server.setReachable(false);
      clock.advance(11 * 60_000);
      const auth = await verifier.verify(
        await server.mintToken({ audience: RESOURCE, subject: 'while-down', expiresIn: 7200 }),
      );
      expect(auth.subject).toBe('while-down');
      expect(
        seen.some((message) => message.startsWith(`keeping cached keys of ${server.issuer}`)),
      ).toBe(true);
    } finally {
      await server.close();
    }
  });

  it('stops using cached keys past the stale limit while the JWKS stays unreachable', async () => {
    const server = await startAuthorizationServer();
    try {
      const clock = createClock();
      const verifier = createJwtVerifier({
        issuers: [server.issuer],
        audience: RESOURCE,
        now: clock.now,
        jwks: { maxStaleMs: 30 * 60_000 },
        onWarning: () => {},
      });
      const token = await server.mintToken({ audience: RESOURCE, expiresIn: 7200 });
      await verifier.verify(token);
      server.setReachable(false);
      clock.advance(29 * 60_000);
      await expect(verifier.verify(token)).resolves.toBeDefined();
      clock.advance(2 * 60_000);
      const refused = await refusal(verifier.verify(token));
      expect(refused.code).toBe('unavailable');
      expect(refused.message).toMatch(/could not be refreshed for 31 minutes/);
      server.setReachable(true);
      clock.advance(60_000);
      await expect(verifier.verify(token)).resolves.toBeDefined();
    } finally {
      await server.close();
    }
  });

  it('fails closed with a clear error when no keys were ever loaded', async () => {
    const server = await startAuthorizationServer();
    try {
      const token = await server.mintToken({ audience: RESOURCE });
      server.setReachable(false);
      const viaDiscovery = await refusal(
        createJwtVerifier({ issuers: [server.issuer], audience: RESOURCE }).verify(token),
      );
      expect(viaDiscovery.code).toBe('unavailable');
      expect(viaDiscovery.message).toMatch(
        /^signing keys could not be loaded: discovery of http:\/\/127\.0\.0\.1:\d+ failed/,
      );
      const direct = await refusal(
        createJwtVerifier({
          issuers: [{ issuer: server.issuer, jwksUri: server.jwksUri }],
          audience: RESOURCE,
          jwks: { timeoutMs: 1000 },
        }).verify(token),
      );
      expect(direct.code).toBe('unavailable');
      expect(direct.message).toContain(`${server.jwksUri} could not be fetched`);
    } finally {
      await server.close();
    }
  });

  it('fails closed when the JWKS answers an error', async () => {
    const token = await as.mintToken({ audience: RESOURCE });
    const error = await refusal(
      createJwtVerifier({
        issuers: [{ issuer: as.issuer, jwksUri: `${as.issuer}/no-such-jwks` }],
        audience: RESOURCE,
      }).verify(token),
    );
    expect(error.code).toBe('unavailable');
    expect(error.message).toMatch(/answered HTTP 404/);
  });

  it('reads scopes from scp arrays and a custom mapper', async () => {
    const scp = await as.mintToken({
      audience: RESOURCE,
      scopes: [],
      claims: { scope: undefined, scp: ['files:read', 'files:list'] },
    });
    expect((await verifierFor().verify(scp)).scopes).toEqual(['files:read', 'files:list']);
    const roles = await as.mintToken({ audience: RESOURCE, claims: { roles: ['files:write'] } });
    expect(
      (await verifierFor({ scopeMapper: (claims) => claims.roles as string[] }).verify(roles))
        .scopes,
    ).toEqual(['files:write']);
  });
});
