import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type AuthorizationServer,
  generateSigningKey,
  type SigningKey,
  startAuthorizationServer,
} from '@portcullis/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AttackTarget, secretToken, startAttackTarget } from './attack-target.js';
import { parseChallenge } from './bearer-challenge.js';
import { accessClaims, forgeJwt, hs256, publicPem, rs256 } from './forged-jwt.js';
import { mcpHeaders, post, rpcError, WRITE_PWNED } from './json-rpc-http.js';
import { rawExchange, rawRequest } from './raw-http.js';

/** What an attacker holds: the target, a key of its own, and an authorization server of its own. */
interface Arsenal {
  target: AttackTarget;
  attackerKey: SigningKey;
  rogue: AuthorizationServer;
  trustedKey: SigningKey;
}

/** How a token attack ends over HTTP: the status, the challenge's `error` and description. */
interface Refusal {
  status: 400 | 401 | 415;
  /** The `error` of the challenge; `undefined` for a challenge without one (no token at all). */
  error?: 'invalid_token' | 'invalid_request';
  /** The exact JSON-RPC `error.data`, and the challenge's `error_description` when it has an `error`. */
  description: string | ((arsenal: Arsenal, token: string) => string);
  /** The challenge's `error_description` where a header value cannot hold the same text. */
  challengeDescription?: string;
}

interface TokenCase {
  id: string;
  attack: string;
  /** The `Authorization` header value(s) to send; `undefined` sends none. */
  authorization: (arsenal: Arsenal) => Promise<string | undefined>;
  /** Further headers, or a query string, for tokens smuggled elsewhere. */
  headers?: Record<string, string>;
  search?: string;
  expected: Refusal;
  /** A further check once the case ran. */
  after?: (arsenal: Arsenal) => void;
}

const NO_TOKEN = 'no access token was sent (expected an Authorization: Bearer header)';
const HS256 =
  'token algorithm "HS256" is not accepted; expected one of RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, ES512, EdDSA, Ed25519';
const SCOPES = 'files:list files:read files:write';
const claimsOf = (token: string) =>
  JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as Record<
    string,
    unknown
  >;

/** The exact challenge and JSON-RPC error a refusal must produce. */
function refusalOf(expected: Refusal, arsenal: Arsenal, token: string) {
  const description =
    typeof expected.description === 'function'
      ? expected.description(arsenal, token)
      : expected.description;
  const resource_metadata = arsenal.target.server.metadataUrl;
  if (expected.status === 400)
    return {
      status: 400,
      challenge: {
        scheme: 'Bearer',
        params: { error: 'invalid_request', error_description: description, resource_metadata },
      },
      error: { code: -32600, message: 'Invalid Request', data: description },
    };
  return {
    status: 401,
    challenge: {
      scheme: 'Bearer',
      params: {
        resource_metadata,
        scope: SCOPES,
        ...(expected.error && {
          error: expected.error,
          error_description: expected.challengeDescription ?? description,
        }),
      },
    },
    error: { code: -32001, message: 'Unauthorized', data: description },
  };
}

const bearer = (token: string) => `Bearer ${secretToken(token)}`;
const now = () => Math.floor(Date.now() / 1000);

/** A token signed with the trusted key, with `header` and `claims` changed. */
const trusted = (
  { target, trustedKey }: Arsenal,
  header: Record<string, unknown> = {},
  claims: Record<string, unknown> = {},
) =>
  bearer(
    forgeJwt(
      { alg: 'RS256', typ: 'at+jwt', kid: trustedKey.kid, ...header },
      { ...accessClaims(target.server.issuer, target.server.url), ...claims },
      rs256(trustedKey),
    ),
  );

const CASES: TokenCase[] = [
  {
    id: 'T-01',
    attack: 'no Authorization header',
    authorization: async () => undefined,
    expected: { status: 401, description: NO_TOKEN },
  },
  {
    id: 'T-02',
    attack: 'Basic credentials instead of a bearer token',
    authorization: async () => `Basic ${Buffer.from('admin:admin').toString('base64')}`,
    expected: {
      status: 400,
      error: 'invalid_request',
      description: 'the Authorization scheme must be Bearer, not Basic',
    },
  },
  {
    id: 'T-03',
    attack: 'Bearer with no token',
    authorization: async () => 'Bearer ',
    expected: {
      status: 400,
      error: 'invalid_request',
      description: 'the Authorization header holds no single bearer token',
    },
  },
  {
    id: 'T-04',
    attack: 'alg none, no signature',
    authorization: async ({ target }) =>
      bearer(
        forgeJwt(
          { alg: 'none', typ: 'at+jwt' },
          accessClaims(target.server.issuer, target.server.url),
        ),
      ),
    expected: { status: 401, error: 'invalid_token', description: 'token is unsigned' },
  },
  {
    id: 'T-05',
    attack: 'HS256 signed with the trusted public key (PEM) as the HMAC secret',
    authorization: async ({ target, trustedKey }) =>
      bearer(
        forgeJwt(
          { alg: 'HS256', typ: 'at+jwt', kid: trustedKey.kid },
          accessClaims(target.server.issuer, target.server.url),
          hs256(publicPem(trustedKey)),
        ),
      ),
    expected: { status: 401, error: 'invalid_token', description: HS256 },
  },
  {
    id: 'T-06',
    attack: 'HS256 signed with the published JWK text as the HMAC secret',
    authorization: async ({ target, trustedKey }) =>
      bearer(
        forgeJwt(
          { alg: 'HS256', typ: 'at+jwt', kid: trustedKey.kid },
          accessClaims(target.server.issuer, target.server.url),
          hs256(JSON.stringify(trustedKey.publicJwk)),
        ),
      ),
    expected: { status: 401, error: 'invalid_token', description: HS256 },
  },
  {
    id: 'T-07',
    attack: "an unknown kid, signed with the attacker's key",
    authorization: async ({ target, attackerKey }) =>
      bearer(
        forgeJwt(
          { alg: 'RS256', typ: 'at+jwt', kid: attackerKey.kid },
          accessClaims(target.server.issuer, target.server.url),
          rs256(attackerKey),
        ),
      ),
    expected: {
      status: 401,
      error: 'invalid_token',
      description: ({ attackerKey }) =>
        `no signing key with kid "${attackerKey.kid}" for RS256 is published by the issuer`,
    },
  },
  {
    id: 'T-08',
    attack: "the trusted kid forged onto a token signed with the attacker's key",
    authorization: async ({ target, attackerKey, trustedKey }) =>
      bearer(
        forgeJwt(
          { alg: 'RS256', typ: 'at+jwt', kid: trustedKey.kid },
          accessClaims(target.server.issuer, target.server.url),
          rs256(attackerKey),
        ),
      ),
    expected: { status: 401, error: 'invalid_token', description: 'token signature is invalid' },
  },
  {
    id: 'T-09',
    attack: "a jku header naming the attacker's JWKS",
    authorization: async ({ target, rogue }) => {
      const key = rogue.keys[0]!;
      return bearer(
        forgeJwt(
          { alg: 'RS256', typ: 'at+jwt', kid: key.kid, jku: rogue.jwksUri },
          accessClaims(target.server.issuer, target.server.url),
          rs256(key),
        ),
      );
    },
    expected: {
      status: 401,
      error: 'invalid_token',
      description: ({ rogue }) =>
        `no signing key with kid "${rogue.keys[0]!.kid}" for RS256 is published by the issuer`,
    },
    after: ({ rogue }) =>
      expect(
        rogue.requestCount(new URL(rogue.jwksUri).pathname) + rogue.requestCount('/cert.pem'),
      ).toBe(0),
  },
  {
    id: 'T-10',
    attack: "an x5u header naming the attacker's certificate URL",
    authorization: async ({ target, rogue }) => {
      const key = rogue.keys[0]!;
      return bearer(
        forgeJwt(
          { alg: 'RS256', typ: 'at+jwt', kid: key.kid, x5u: `${rogue.issuer}/cert.pem` },
          accessClaims(target.server.issuer, target.server.url),
          rs256(key),
        ),
      );
    },
    expected: {
      status: 401,
      error: 'invalid_token',
      description: ({ rogue }) =>
        `no signing key with kid "${rogue.keys[0]!.kid}" for RS256 is published by the issuer`,
    },
    after: ({ rogue }) =>
      expect(
        rogue.requestCount(new URL(rogue.jwksUri).pathname) + rogue.requestCount('/cert.pem'),
      ).toBe(0),
  },
  {
    id: 'T-11',
    attack: "the attacker's public key embedded as a jwk header, under the trusted kid",
    authorization: async ({ target, attackerKey, trustedKey }) =>
      bearer(
        forgeJwt(
          { alg: 'RS256', typ: 'at+jwt', kid: trustedKey.kid, jwk: attackerKey.publicJwk },
          accessClaims(target.server.issuer, target.server.url),
          rs256(attackerKey),
        ),
      ),
    expected: { status: 401, error: 'invalid_token', description: 'token signature is invalid' },
  },
  {
    id: 'T-12',
    attack: 'expired a minute ago',
    authorization: async (arsenal) => trusted(arsenal, {}, { iat: now() - 3660, exp: now() - 60 }),
    expected: { status: 401, error: 'invalid_token', description: 'token has expired' },
  },
  {
    id: 'T-13',
    attack: 'expired one second ago, inside the clock tolerance',
    authorization: async (arsenal) => trusted(arsenal, {}, { iat: now() - 600, exp: now() - 1 }),
    expected: { status: 401, error: 'invalid_token', description: 'token has expired' },
  },
  {
    id: 'T-14',
    attack: 'nbf a minute ahead',
    authorization: async (arsenal) => trusted(arsenal, {}, { nbf: now() + 60 }),
    expected: {
      status: 401,
      error: 'invalid_token',
      description: 'token is not valid yet (nbf is in the future)',
    },
  },
  {
    id: 'T-15',
    attack: 'iat a minute ahead',
    authorization: async (arsenal) => trusted(arsenal, {}, { iat: now() + 60, exp: now() + 3600 }),
    expected: {
      status: 401,
      error: 'invalid_token',
      description: 'token is issued in the future (iat)',
    },
  },
  {
    id: 'T-16',
    attack: 'no exp at all',
    authorization: async (arsenal) => trusted(arsenal, {}, { exp: undefined }),
    expected: {
      status: 401,
      error: 'invalid_token',
      description: 'token claim "exp" is invalid: missing',
    },
  },
  {
    id: 'T-17',
    attack: 'a foreign iss on a token signed with the trusted key',
    authorization: async (arsenal) => trusted(arsenal, {}, { iss: 'https://evil.example' }),
    expected: {
      status: 401,
      error: 'invalid_token',
      description: 'token issuer "https://evil.example" is not trusted',
    },
  },
  {
    id: 'T-18',
    attack: 'the audience of another resource',
    authorization: async (arsenal) => trusted(arsenal, {}, { aud: 'https://other.example/mcp' }),
    expected: {
      status: 401,
      error: 'invalid_token',
      description: ({ target }) =>
        `token audience https://other.example/mcp is not accepted here; expected one of ${target.server.url}`,
    },
  },
  {
    id: 'T-19',
    attack: 'no audience',
    authorization: async (arsenal) => trusted(arsenal, {}, { aud: undefined }),
    expected: {
      status: 401,
      error: 'invalid_token',
      description: ({ target }) => `token has no audience; expected one of ${target.server.url}`,
    },
  },
  {
    id: 'T-20',
    attack: "a real id token from the trusted server's authorization code flow",
    authorization: async ({ target }) => {
      const tokens = await codeFlowTokens(target);
      return bearer(tokens.id_token!);
    },
    expected: {
      status: 401,
      error: 'invalid_token',
      description: ({ target }, token) =>
        `token audience ${claimsOf(token).aud} is not accepted here; expected one of ${target.server.url}`,
    },
  },
  {
    id: 'T-21',
    attack: "a real refresh token from the trusted server's authorization code flow",
    authorization: async ({ target }) => {
      const tokens = await codeFlowTokens(target);
      return bearer(tokens.refresh_token!);
    },
    expected: {
      status: 401,
      error: 'invalid_token',
      description: 'token is not a JWT (expected three dot-separated parts)',
    },
  },
  {
    id: 'T-22',
    attack: 'an id-token-shaped JWT (nonce, at_hash) for the right audience',
    authorization: async (arsenal) =>
      trusted(
        arsenal,
        { typ: 'JWT' },
        { nonce: 'n-0S6_WzA2Mj', at_hash: 'HK6E_P6Dh8Y93mRNtsDB1Q' },
      ),
    expected: {
      status: 401,
      error: 'invalid_token',
      description: 'expected an access token, got an OpenID Connect id token',
    },
  },
  {
    id: 'T-23',
    attack: 'a Casdoor-style refresh token (tokenType refresh-token)',
    authorization: async (arsenal) => trusted(arsenal, {}, { tokenType: 'refresh-token' }),
    expected: {
      status: 401,
      error: 'invalid_token',
      description: 'expected an access token, got tokenType "refresh-token"',
    },
  },
  {
    id: 'T-24',
    attack: 'a Cognito-style id token (token_use id)',
    authorization: async (arsenal) => trusted(arsenal, {}, { token_use: 'id' }),
    expected: {
      status: 401,
      error: 'invalid_token',
      description: 'expected an access token, got token_use "id"',
    },
  },
  {
    id: 'T-25',
    attack: 'an untrusted issuer with a valid JWKS of its own',
    authorization: async ({ target, rogue }) =>
      bearer(await rogue.mintToken({ audience: target.server.url, scopes: ['files:write'] })),
    expected: {
      status: 401,
      error: 'invalid_token',
      description: ({ rogue }) => `token issuer "${rogue.issuer}" is not trusted`,
    },
  },
  {
    id: 'T-26',
    attack: 'a 9,000-character token',
    authorization: async (arsenal) => trusted(arsenal, {}, { pad: 'A'.repeat(8800) }),
    expected: {
      status: 401,
      error: 'invalid_token',
      description: (_, token) =>
        `token is ${token.length} characters long; at most 8192 are accepted`,
    },
  },
  {
    id: 'T-27',
    attack: 'two parts instead of three',
    authorization: async (arsenal) => (await trusted(arsenal)).split('.').slice(0, 2).join('.'),
    expected: {
      status: 401,
      error: 'invalid_token',
      description: 'token is not a JWT (expected three dot-separated parts)',
    },
  },
  {
    id: 'T-28',
    attack: 'a header that is not base64url JSON',
    authorization: async (arsenal) =>
      `Bearer !!notjson.${(await trusted(arsenal)).split('.').slice(1).join('.')}`,
    expected: { status: 401, error: 'invalid_token', description: 'token header is not base64url' },
  },
  {
    id: 'T-29',
    attack: 'an encrypted token (five JWE parts)',
    authorization: async () =>
      `Bearer ${Buffer.from('{"alg":"RSA-OAEP","enc":"A256GCM"}').toString('base64url')}.a.b.c.d`,
    expected: {
      status: 401,
      error: 'invalid_token',
      description: 'encrypted tokens (JWE) are not accepted',
    },
  },
  {
    id: 'T-30',
    attack: 'an unknown critical header extension',
    authorization: async (arsenal) =>
      trusted(arsenal, { crit: ['x-attacker'], 'x-attacker': true }),
    expected: {
      status: 401,
      error: 'invalid_token',
      description: 'token uses critical header extensions',
    },
  },
  {
    id: 'T-31',
    attack: 'control and non-Latin-1 characters in kid and iss',
    authorization: async (arsenal) =>
      trusted(
        arsenal,
        { kid: 'k\u0000\r\n\u00e9\u4e2d' },
        { iss: 'https://evil\u2028.example\r\nX-Injected: 1' },
      ),
    expected: {
      status: 401,
      error: 'invalid_token',
      description: 'token issuer "https://evil\u2028.example\\r\\nX-Injected: 1" is not trusted',
      // A header value cannot carry U+2028: "?" there; the JSON body keeps it.
      challengeDescription: String.raw`token issuer "https://evil?.example\r\nX-Injected: 1" is not trusted`,
    },
  },
  {
    id: 'T-32',
    attack: 'the token in the query string (?access_token=)',
    authorization: async () => undefined,
    search: 'access_token=TOKEN',
    expected: {
      status: 400,
      error: 'invalid_request',
      description: 'access tokens are accepted only in the Authorization header, never in the URL',
    },
  },
  {
    id: 'T-33',
    attack: 'the token in a cookie',
    authorization: async () => undefined,
    headers: { cookie: 'access_token=TOKEN' },
    expected: { status: 401, description: NO_TOKEN },
  },
];

/** A real id token and refresh token, from the code flow with PKCE against the trusted server. */
async function codeFlowTokens(target: AttackTarget) {
  const client = await target.authorizationServer.registerClient({
    grantTypes: ['authorization_code', 'refresh_token'],
    redirectUris: ['http://127.0.0.1:1/callback'],
  });
  return target.authorizationServer.authorizationCodeToken({
    clientId: client.clientId,
    clientSecret: client.clientSecret,
    redirectUri: 'http://127.0.0.1:1/callback',
    scope: 'openid offline_access files:read files:write',
    resource: target.server.url,
  });
}

describe('token attacks on Streamable HTTP (T-…)', () => {
  const arsenal = {} as Arsenal;

  beforeAll(async () => {
    arsenal.target = await startAttackTarget();
    arsenal.attackerKey = await generateSigningKey('RS256');
    arsenal.rogue = await startAuthorizationServer();
    arsenal.trustedKey = arsenal.target.authorizationServer.keys[0]!;
  });
  afterAll(async () => {
    await arsenal.target?.close();
    await arsenal.rogue?.close();
  });

  it('control: the same write with a valid token does harm, and the harness sees it', async () => {
    const { target } = arsenal;
    await expect(
      target.unharmed(async () => {
        const answer = await post(
          target.server.url,
          WRITE_PWNED,
          mcpHeaders(target.tokens.readWrite),
        );
        expect(answer.status).toBe(200);
      }),
    ).rejects.toThrow();
    await rm(join(target.root, 'pwned.txt'));
  });

  it.each(CASES)('$id $attack', async ({ authorization, headers, search, expected, after }) => {
    const { target } = arsenal;
    const value = await authorization(arsenal);
    const url = search ? `${target.server.url}?${search}` : target.server.url;
    const logged = await target.unharmed(async () => {
      const answer = await post(
        url,
        WRITE_PWNED,
        mcpHeaders(undefined, {
          ...(value !== undefined && { authorization: value }),
          ...headers,
        }),
      );
      const challenge = answer.headers.get('www-authenticate') ?? '';
      expect(challenge).toMatch(/^[\x20-\x7e]+$/);
      expect({
        status: answer.status,
        challenge: parseChallenge(challenge),
        error: rpcError(answer.body),
      }).toEqual(refusalOf(expected, arsenal, value?.slice('Bearer '.length) ?? ''));
    });
    expect(logged.filter((line) => line.msg === 'authentication_failed')).toHaveLength(1);
    after?.(arsenal);
  });

  it('T-34 two Authorization headers, one of them valid', async () => {
    const { target } = arsenal;
    await target.unharmed(async () => {
      const body = JSON.stringify(WRITE_PWNED);
      const exchange = await rawExchange(
        target.server.url,
        rawRequest(target.server.url, {
          headers: [
            ['Content-Type', 'application/json'],
            ['Accept', 'application/json, text/event-stream'],
            ['Authorization', `Bearer ${target.tokens.readWrite}`],
            ['Authorization', `Bearer ${randomUUID()}`],
            ['Content-Length', String(Buffer.byteLength(body))],
            ['Connection', 'close'],
          ],
          body,
        }),
      );
      expect(exchange.statuses).toEqual([400]);
    });
  });
});
