import { readFileSync } from 'node:fs';
import { type AuthorizationServer, startAuthorizationServer } from '@portcullis/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AuthError,
  CASDOOR_BUILTIN_KEY_THUMBPRINT,
  casdoorScopeImplications,
  createJwtVerifier,
  createScopePolicy,
} from '../src/index.js';
import { serveJson } from './helpers.js';

const fixture = (name: string) =>
  JSON.parse(readFileSync(new URL(`./fixtures/casdoor/${name}`, import.meta.url), 'utf8'));
const samples = fixture('sample-tokens.json') as Record<
  string,
  { token: string; payload: Record<string, unknown> }
>;
const RECORDED_AT = Date.UTC(2026, 0, 3);

describe("Casdoor's recorded tokens (signed with its built-in key)", () => {
  let casdoor: Awaited<ReturnType<typeof serveJson>>;
  const warnings: string[] = [];
  beforeAll(async () => {
    casdoor = await serveJson({ '/.well-known/jwks': fixture('jwks.json') });
  });
  afterAll(() => casdoor.close());

  const verifier = (options: { audience: string[]; builtin?: 'warn' | 'refuse'; at?: number }) =>
    createJwtVerifier({
      issuers: [{ issuer: 'https://door.example.com', jwksUri: `${casdoor.url}/.well-known/jwks` }],
      audience: options.audience,
      now: () => options.at ?? RECORDED_AT,
      casdoorBuiltinKey: options.builtin ?? 'warn',
      onWarning: (message) => warnings.push(message),
    });

  it('verifies the authorization-code token, whose audience is the resource', async () => {
    const sample = samples.authorization_code_JWT_Empty_with_resource!;
    const auth = await verifier({ audience: ['https://mcp.example.com/mcp'] }).verify(sample.token);
    expect(auth).toMatchObject({
      issuer: 'https://door.example.com',
      subject: sample.payload.sub,
      clientId: sample.payload.azp,
      scopes: ['files:read', 'files:list'],
    });
    expect(auth.resource?.href).toBe('https://mcp.example.com/mcp');
    expect(warnings.some((message) => message.includes("Casdoor's built-in signing key"))).toBe(
      true,
    );
  });

  it('verifies the client-credentials token only when its client id is on the audience allowlist', async () => {
    const sample = samples.client_credentials_JWT!;
    await expect(
      verifier({ audience: ['https://mcp.example.com/mcp'] }).verify(sample.token),
    ).rejects.toThrow(
      'token audience 2a5e4c1f9b8d7e6a5c4b is not accepted here; expected one of https://mcp.example.com/mcp',
    );
    const auth = await verifier({
      audience: ['https://mcp.example.com/mcp', '2a5e4c1f9b8d7e6a5c4b'],
    }).verify(sample.token);
    expect(auth).toMatchObject({
      subject: 'admin/mcp-client',
      clientId: '2a5e4c1f9b8d7e6a5c4b',
      scopes: ['application:read', 'application:write'],
    });
  });

  it('refuses them once expired (they expired in January 2026)', async () => {
    const sample = samples.authorization_code_JWT_Empty_with_resource!;
    await expect(
      verifier({ audience: ['https://mcp.example.com/mcp'], at: Date.now() }).verify(sample.token),
    ).rejects.toThrow('token has expired');
  });

  it('refuses tokens signed with the public built-in key when told to (the production default)', async () => {
    const sample = samples.authorization_code_JWT_Empty_with_resource!;
    const error = await verifier({ audience: ['https://mcp.example.com/mcp'], builtin: 'refuse' })
      .verify(sample.token)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthError);
    expect((error as AuthError).message).toBe("token is signed with Casdoor's public built-in key");
    expect(
      readFileSync(new URL('./fixtures/casdoor/jwks.json', import.meta.url), 'utf8'),
    ).toContain('cert-built-in');
    expect(CASDOOR_BUILTIN_KEY_THUMBPRINT).toBe('KikP8HIWMxFExJUuKXl8KOws9iLU8E7MiM8jVlJWyLI');
  });
});

describe('the Casdoor profile of the test authorization server', () => {
  let casdoor: AuthorizationServer;
  const RESOURCE = 'https://mcp.example.test/mcp';
  beforeAll(async () => {
    casdoor = await startAuthorizationServer({ profile: 'casdoor' });
  });
  afterAll(() => casdoor.close());

  it('issues client-credentials tokens that need the client id on the allowlist', async () => {
    const client = await casdoor.registerClient();
    const { access_token } = await casdoor.clientCredentialsToken({
      clientId: client.clientId,
      clientSecret: client.clientSecret!,
      scope: 'application:read',
      resource: RESOURCE,
    });
    const strict = createJwtVerifier({ issuers: [casdoor.issuer], audience: RESOURCE });
    await expect(strict.verify(access_token)).rejects.toThrow(/is not accepted here/);
    const allowing = createJwtVerifier({
      issuers: [casdoor.issuer],
      audience: [RESOURCE, client.clientId],
    });
    expect(await allowing.verify(access_token)).toMatchObject({
      clientId: client.clientId,
      subject: `admin/${client.clientId}`,
      scopes: ['application:read'],
    });
  });

  it('verifies RS512 tokens signed with a key the JWKS publishes as RS256', async () => {
    expect(casdoor.jwks().keys[0]!.alg).toBe('RS256');
    const token = await casdoor.mintToken({
      audience: RESOURCE,
      alg: 'RS512',
      scopes: ['user:read'],
    });
    const auth = await createJwtVerifier({ issuers: [casdoor.issuer], audience: RESOURCE }).verify(
      token,
    );
    expect(auth.scopes).toEqual(['user:read']);
  });

  it('refuses its refresh tokens as access tokens', async () => {
    const refresh = await casdoor.mintToken({ audience: RESOURCE, tokenType: 'refresh-token' });
    await expect(
      createJwtVerifier({ issuers: [casdoor.issuer], audience: RESOURCE }).verify(refresh),
    ).rejects.toThrow('expected an access token, got tokenType "refresh-token"');
  });

  it("expands Casdoor's shorthand scopes", () => {
    const policy = createScopePolicy({ implications: casdoorScopeImplications });
    expect(policy.allows(['application:read', 'user:read'], ['read'])).toBe(true);
    expect(policy.missing(['application:write'], ['read'])).toEqual(['application:write']);
    expect(policy.allows(['application:write', 'files:list'], ['admin'])).toBe(true);
  });
});
