import {
  type AuthorizationServer,
  PROFILE_ROUTES,
  startAuthorizationServer,
  TOKEN_EXCHANGE_GRANT,
} from '@portcullis/testing';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServerChannel } from '../src/adapter.js';
import { insufficientScopeOf } from '../src/client.js';
import {
  type AuditEvent,
  type AuthInfo,
  createJwtVerifier,
  createMemoryExchangedTokenStore,
  createPortcullis,
  createRegistry,
  createTokenExchanger,
  defineTool,
  type ExchangedTokenStore,
  type JSONRPCMessage,
  TokenExchangeError,
} from '../src/index.js';
import { createClock } from './helpers.js';

const MCP = 'https://mcp.example.test/mcp';
const REDIRECT = 'http://127.0.0.1/callback';
const API = 'https://api.example.test';

/** A caller, as the MCP server verified them: a real token from `as` for the MCP resource. */
async function caller(
  as: AuthorizationServer,
  scope: string,
  subject = 'alice',
): Promise<AuthInfo> {
  const app = await as.registerClient({
    grantTypes: ['authorization_code', TOKEN_EXCHANGE_GRANT],
    redirectUris: [REDIRECT],
  });
  const { access_token } = await as.authorizationCodeToken({
    clientId: app.clientId,
    clientSecret: app.clientSecret,
    redirectUri: REDIRECT,
    scope,
    resource: MCP,
    subject,
  });
  const verifier = createJwtVerifier({ issuers: [as.issuer], audience: [MCP, app.clientId] });
  return { ...(await verifier.verify(access_token)), app } as AuthInfo & {
    app: typeof app;
  };
}

describe('the token exchanger against the standard development server', { timeout: 60_000 }, () => {
  let as: AuthorizationServer;
  let client: { clientId: string; clientSecret: string };
  let alice: AuthInfo;
  const tokenRequests = () => as.requestCount(PROFILE_ROUTES.standard.token);
  beforeAll(async () => {
    as = await startAuthorizationServer({
      exchangeTargets: { [API]: ['api:read', 'api:write'] },
      scopes: ['files:read', 'files:write'],
    });
    const registered = await as.registerClient({
      grantTypes: ['client_credentials', TOKEN_EXCHANGE_GRANT],
    });
    client = { clientId: registered.clientId, clientSecret: registered.clientSecret! };
    alice = await caller(as, 'files:read');
  }, 60_000);
  afterAll(() => as.close());

  const exchanger = (extra: Partial<Parameters<typeof createTokenExchanger>[0]> = {}) =>
    createTokenExchanger({
      issuer: as.issuer,
      clientId: client.clientId,
      clientAuthentication: client.clientSecret,
      allowed: { [API]: ['api:read', 'api:write'] },
      ...extra,
    });

  it('exchanges once per caller, target and scope, until shortly before expiry', async () => {
    const clock = createClock();
    const exchange = exchanger({ now: clock.now });
    const bob = await caller(as, 'files:read', 'bob');
    const before = tokenRequests();
    const first = await exchange.exchange(alice, { resource: API, scope: 'api:read' });
    const again = await exchange.exchange(alice, { resource: API, scope: ['api:read'] });
    expect(again.accessToken).toBe(first.accessToken);
    expect(tokenRequests() - before).toBe(1);
    expect(decodeJwt(first.accessToken)).toMatchObject({
      aud: API,
      sub: 'alice',
      scope: 'api:read',
    });
    expect(first).toMatchObject({
      tokenType: 'Bearer',
      scope: 'api:read',
      issuedTokenType: 'urn:ietf:params:oauth:token-type:access_token',
    });

    // Another scope set, or another caller: another exchange.
    await exchange.exchange(alice, { resource: API, scope: 'api:read api:write' });
    const bobs = await exchange.exchange(bob, { resource: API, scope: 'api:read' });
    expect(decodeJwt(bobs.accessToken).sub).toBe('bob');
    expect(tokenRequests() - before).toBe(3);

    // 30 s before expiry the cached token is no longer handed out.
    clock.advance((first.expiresAt - 29) * 1000 - clock.now());
    const renewed = await exchange.exchange(alice, { resource: API, scope: 'api:read' });
    expect(renewed.accessToken).not.toBe(first.accessToken);
    expect(tokenRequests() - before).toBe(4);
  });

  it('audits every exchange asked for: issued, reused, refused, never a token', async () => {
    const events: AuditEvent[] = [];
    const exchange = exchanger({ audit: (event) => events.push(event) });
    const issued = await exchange.exchange(alice, { resource: API, scope: 'api:read' });
    await exchange.exchange(alice, { resource: API, scope: 'api:read' });
    await expect(
      exchange.exchange(alice, { resource: API, scope: 'api:admin' }),
    ).rejects.toMatchObject({ code: 'invalid_scope' });
    await expect(
      exchange.exchange({ ...alice, token: 'e30.e30.e30' }, { resource: API, scope: 'api:write' }),
    ).rejects.toMatchObject({ code: 'invalid_grant' });
    const who = { issuer: as.issuer, subject: 'alice', clientId: alice.clientId };
    expect(events).toEqual([
      { type: 'token_exchange', ...who, target: API, scopes: ['api:read'], outcome: 'issued' },
      { type: 'token_exchange', ...who, target: API, scopes: ['api:read'], outcome: 'reused' },
      {
        type: 'token_exchange',
        ...who,
        target: API,
        scopes: [],
        outcome: 'refused',
        code: 'invalid_scope',
      },
      {
        type: 'token_exchange',
        ...who,
        target: API,
        scopes: ['api:write'],
        outcome: 'refused',
        code: 'invalid_grant',
      },
    ]);
    const recorded = JSON.stringify(events);
    expect(recorded).not.toContain(alice.token);
    expect(recorded).not.toContain(issued.accessToken);
  });

  it('shares one exchange between concurrent first uses', async () => {
    const exchange = exchanger();
    const before = tokenRequests();
    const tokens = await Promise.all(
      [1, 2, 3].map(() => exchange.exchange(alice, { resource: API, scope: 'api:write' })),
    );
    expect(new Set(tokens.map((token) => token.accessToken)).size).toBe(1);
    expect(tokenRequests() - before).toBe(1);
  });

  it("one caller's cancellation ends its own wait, not the shared exchange", async () => {
    const exchange = exchanger();
    const cancelled = new AbortController();
    const before = tokenRequests();
    const first = exchange.exchange(alice, { audience: API, scope: 'api:read' }, cancelled.signal);
    const second = exchange.exchange(alice, { audience: API, scope: 'api:read' });
    cancelled.abort(new Error('cancelled by the client'));
    await expect(first).rejects.toThrow('cancelled by the client');
    expect((await second).scope).toBe('api:read');
    expect(tokenRequests() - before).toBe(1);
  });

  it('keeps working when the shared store fails (every lookup a miss)', async () => {
    const broken: ExchangedTokenStore = {
      get: () => Promise.reject(new Error('store away')),
      set: () => Promise.reject(new Error('store away')),
    };
    const token = await exchanger({ cache: { store: broken } }).exchange(alice, { resource: API });
    expect(token.scope).toBe('api:read api:write');
  });

  it('keys the store by hashes, and never puts a token in a key', async () => {
    const keys: string[] = [];
    const memory = createMemoryExchangedTokenStore();
    const store: ExchangedTokenStore = {
      get: (key) => {
        keys.push(key);
        return memory.get(key);
      },
      set: (key, record, until) => memory.set(key, record, until),
    };
    const token = await exchanger({ cache: { store } }).exchange(alice, { audience: API });
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatch(/^[\w-]{43}$/);
    expect(keys[0]).not.toContain(alice.subject);
    // A log line of the exchanged token leaves the token out.
    expect(JSON.stringify(token)).not.toContain(token.accessToken);
    expect(JSON.parse(JSON.stringify(token))).toEqual({
      tokenType: 'Bearer',
      scope: 'api:read api:write',
      expiresAt: token.expiresAt,
      issuedTokenType: 'urn:ietf:params:oauth:token-type:access_token',
    });
  });

  it.each([
    ['a target not configured', { resource: 'https://other.example' }, 'invalid_target'],
    ['a scope not configured', { resource: API, scope: 'api:admin' }, 'invalid_scope'],
    ['both audience and resource', { resource: API, audience: API }, 'invalid_request'],
    ['neither audience nor resource', {}, 'invalid_request'],
  ])('refuses %s before any request', async (_name, request, code) => {
    const before = tokenRequests();
    const error = await exchanger()
      .exchange(alice, request)
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TokenExchangeError);
    expect(error).toMatchObject({ code, source: 'local', needsStepUp: false });
    expect(tokenRequests()).toBe(before);
  });

  it("refuses a caller whose token comes from another issuer than the exchanging server's", async () => {
    await expect(
      exchanger().exchange({ ...alice, issuer: 'https://elsewhere.example' }, { resource: API }),
    ).rejects.toMatchObject({ code: 'invalid_request', source: 'local' });
  });

  it('names the authorization server refusal: invalid_grant for a token it did not issue', async () => {
    const error = await exchanger()
      .exchange({ ...alice, token: 'e30.e30.e30' }, { resource: API })
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({
      code: 'invalid_grant',
      source: 'authorization-server',
      status: 400,
    });
    expect((error as Error).message).not.toContain('e30.e30.e30');
  });

  it('reports an unreachable token endpoint as unavailable, not as a crash', async () => {
    const error = await exchanger({ tokenEndpoint: 'http://127.0.0.1:9/token' })
      .exchange(alice, { resource: API })
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'unavailable' });
  });

  it('sends an actor token when given one: the downstream token names the MCP server in act', async () => {
    const token = await exchanger({
      cache: false,
      actorToken: async () =>
        (await as.clientCredentialsToken({ ...client, resource: MCP })).access_token,
    }).exchange(alice, { resource: API, scope: 'api:read' });
    expect(decodeJwt(token.accessToken)).toMatchObject({
      sub: 'alice',
      act: { sub: client.clientId },
    });
  });

  it('binds the exchanged token to the server key when asked (dpop: always)', async () => {
    const token = await exchanger({ dpop: 'always' }).exchange(alice, { resource: API });
    expect(token.tokenType).toBe('DPoP');
    expect(token.authorization).toMatch(/^DPoP /);
    expect(decodeJwt(token.accessToken).cnf).toEqual({ jkt: expect.any(String) });
  });
});

describe('token exchange against the Casdoor profile', { timeout: 60_000 }, () => {
  let as: AuthorizationServer;
  let alice: AuthInfo & { app: { clientId: string; clientSecret?: string } };
  beforeAll(async () => {
    as = await startAuthorizationServer({ profile: 'casdoor' });
    alice = (await caller(as, 'read', 'built-in/alice')) as typeof alice;
  }, 60_000);
  afterAll(() => as.close());

  // In Casdoor the MCP server and its MCP client are one application: the exchange narrows.
  const exchanger = () =>
    createTokenExchanger({
      issuer: as.issuer,
      clientId: alice.app.clientId,
      clientAuthentication: { method: 'client_secret_post', clientSecret: alice.app.clientSecret! },
      allowed: { [alice.app.clientId]: ['application:read', 'user:read', 'user:write'] },
      scopesFromCaller: true,
    });

  it('discovers Casdoor\'s token endpoint and reads its answer (no issued_token_type, refresh_token "")', async () => {
    const token = await exchanger().exchange(alice, {
      audience: alice.app.clientId,
      scope: 'application:read',
    });
    expect(token).toMatchObject({ tokenType: 'Bearer', scope: 'application:read' });
    expect(token.issuedTokenType).toBeUndefined();
    expect(as.requestCount(PROFILE_ROUTES.casdoor.token)).toBeGreaterThan(0);
    expect(decodeJwt(token.accessToken)).toMatchObject({
      aud: [alice.app.clientId],
      azp: alice.app.clientId,
      sub: 'built-in/alice',
      tokenType: 'access-token',
    });
  });

  it('asks the caller to step up when Casdoor refuses a scope outside their grant', async () => {
    const error = (await exchanger()
      .exchange(alice, { audience: alice.app.clientId, scope: 'user:write' })
      .catch((caught: unknown) => caught)) as TokenExchangeError;
    expect(error).toBeInstanceOf(TokenExchangeError);
    expect(error).toMatchObject({
      code: 'invalid_scope',
      source: 'authorization-server',
      needsStepUp: true,
      missingCallerScopes: ['user:write'],
    });
    expect(error.message).toContain(
      'requested scope "user:write" is not in the subject token grant',
    );
  });

  it('turns that refusal into insufficient_scope for the MCP client (not a tool error, not a 500)', async () => {
    const audited: AuditEvent[] = [];
    const portcullis = createPortcullis({
      audit: (event) => audited.push(event),
      resource: MCP,
      server: { name: 's', version: '1' },
      registry: createRegistry({
        tools: [
          defineTool({
            name: 'edit_user',
            description: 'Edits a user downstream.',
            scopes: ['read'],
            requireAuth: true,
            handler: async (_args, { exchange }) => {
              await exchange({ audience: alice.app.clientId, scope: 'user:write' });
              return { content: [{ type: 'text', text: 'edited' }] };
            },
          }),
        ],
      }),
      verifier: { verify: () => Promise.reject(new Error('not used')) },
      authorizationServers: [as.issuer],
      tokenExchange: {
        clientId: alice.app.clientId,
        clientAuthentication: {
          method: 'client_secret_post',
          clientSecret: alice.app.clientSecret!,
        },
        allowed: { [alice.app.clientId]: ['user:write'] },
        scopesFromCaller: true,
      },
      logger: { debug() {}, info() {}, warn() {}, error() {} },
    });
    const channel = await createServerChannel(
      portcullis.createServer({ auth: undefined, transport: 'in-memory' }),
      { era: 'modern' },
    );
    const answer = await new Promise<{ error?: { code: number; message: string; data: unknown } }>(
      (resolve) =>
        channel.dispatch(
          {
            jsonrpc: '2.0',
            id: 1,
            method: 'tools/call',
            params: {
              name: 'edit_user',
              arguments: {},
              _meta: {
                'io.modelcontextprotocol/protocolVersion': '2026-07-28',
                'io.modelcontextprotocol/clientCapabilities': {},
              },
            },
          } as JSONRPCMessage,
          { auth: alice, sink: { send: (message) => resolve(message as never) } },
        ),
    );
    expect(answer.error).toMatchObject({ code: -32001, message: 'insufficient_scope' });
    const stepUp = insufficientScopeOf(answer.error);
    expect(stepUp?.requiredScopes).toEqual(['user:write']);
    expect(stepUp?.scopeToRequest).toEqual(['read', 'user:write']);
    // Audited with the transport of the request whose handler asked.
    expect(audited.filter((event) => event.type === 'token_exchange')).toEqual([
      expect.objectContaining({
        outcome: 'refused',
        code: 'invalid_scope',
        transport: 'in-memory',
      }),
    ]);
  });
});
