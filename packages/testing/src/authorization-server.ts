import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { JWK } from 'jose';
import type Provider from 'oidc-provider';
import type { ClientMetadata, Configuration, KoaContextWithOIDC } from 'oidc-provider';
import { autoApproveInteraction } from './auto-approve-interaction.js';
import {
  type ClientRegistration,
  type RegisteredClient,
  toClientMetadata,
} from './client-registration.js';
import { createMemoryAdapterFactory } from './memory-adapter.js';
import { loadOidcProvider } from './oidc-provider-module.js';
import {
  type AuthorizationServerProfile,
  PROFILE_ROUTES,
  shapeAsCasdoor,
  type TokenShape,
} from './profiles.js';
import { generateSigningKey, type SigningAlgorithm, type SigningKey } from './signing-keys.js';
import {
  actorClaims,
  registerTokenExchangeGrant,
  TOKEN_EXCHANGE_GRANT,
} from './token-exchange-grant.js';
import { type MintTokenOptions, mintToken } from './token-minting.js';
import {
  type AuthorizationCodeTokenOptions,
  type ClientCredentialsTokenOptions,
  type RefreshTokenOptions,
  requestAuthorizationCodeToken,
  requestClientCredentialsToken,
  requestRefreshToken,
  type TokenResponse,
} from './token-requests.js';

/** Options for {@link startAuthorizationServer}. */
export interface AuthorizationServerOptions {
  /** Token and endpoint shape. Default `standard`. */
  profile?: AuthorizationServerProfile;
  /** Default `127.0.0.1`. */
  host?: string;
  /** Default 0: a free port. */
  port?: number;
  /** One signing key per algorithm, the first signs access tokens. Default `['RS256']`. */
  algorithms?: readonly SigningAlgorithm[];
  /**
   * Scopes clients may ask for (besides `openid` and `offline_access`). Default:
   * `files:read files:write files:list application:read application:write user:read
   * user:write read write admin` ({@link DEFAULT_SCOPES}). A token request naming any other
   * scope is refused with `invalid_scope` and a description that names the scope and this
   * option: pass your own, e.g. `scopes: [...DEFAULT_SCOPES, 'notes:read']`.
   */
  scopes?: readonly string[];
  /** Resource indicators whose tokens are opaque (introspection only) rather than JWTs. */
  opaqueResources?: readonly string[];
  /** Access token lifetime in seconds. Default 3600. */
  accessTokenTtlSeconds?: number;
  /** Who is logged in at the authorization endpoint when no `login_hint` names anyone. Default `dev-user`. */
  defaultSubject?: string;
  /** Clients registered at start. */
  clients?: readonly ClientRegistration[];
  /**
   * Open dynamic client registration (RFC 7591) at `registrationEndpoint`, for MCP clients
   * that register themselves. Off by default: with it on, any process that can reach the
   * server can register a client and obtain tokens with every scope.
   */
  dynamicRegistration?: boolean;
  /**
   * Token exchange (RFC 8693) in the standard profile: the audiences or resources a client
   * with the grant may get tokens for, each with the scopes it may be granted; any other
   * target is `invalid_target`. The Casdoor profile ignores it: there an exchange gives a
   * down-scoped token for the requesting application itself, as in Casdoor.
   */
  exchangeTargets?: Readonly<Record<string, readonly string[]>>;
}

/** A running authorization server. Close it with `close()` or `await using`. */
export interface AuthorizationServer extends AsyncDisposable {
  readonly profile: AuthorizationServerProfile;
  /** The issuer identifier, e.g. `http://127.0.0.1:41234`. */
  readonly issuer: string;
  readonly discoveryUrl: string;
  readonly jwksUri: string;
  readonly tokenEndpoint: string;
  readonly introspectionEndpoint: string;
  /** Token revocation (RFC 7009): a revoked token introspects as inactive at once. */
  readonly revocationEndpoint: string;
  readonly authorizationEndpoint: string;
  /** Where clients register themselves; answers only with `dynamicRegistration` on. */
  readonly registrationEndpoint: string;
  /** The keys published now, current signer first. */
  readonly keys: readonly SigningKey[];
  /** The public JWKS as served. */
  jwks(): { keys: JWK[] };
  registerClient(registration?: ClientRegistration): Promise<RegisteredClient>;
  /** Signs a token directly, for cases no grant produces (expired, not yet valid, foreign audience…). */
  mintToken(options: MintTokenOptions): Promise<string>;
  /** Runs the client credentials grant against the real token endpoint. */
  clientCredentialsToken(options: ClientCredentialsTokenOptions): Promise<TokenResponse>;
  /** Runs the authorization code grant with PKCE against the real endpoints (login auto-approved). */
  authorizationCodeToken(options: AuthorizationCodeTokenOptions): Promise<TokenResponse>;
  /** Runs the refresh token grant against the real token endpoint. */
  refreshToken(options: RefreshTokenOptions): Promise<TokenResponse>;
  /** Adds a new current key; the old ones stay published unless `retireOld`. */
  rotateKeys(options?: { retireOld?: boolean }): Promise<SigningKey>;
  /** While false, every connection is dropped, as if the server were unreachable. */
  setReachable(reachable: boolean): void;
  /** How many requests reached `path` (e.g. the JWKS path) so far. */
  requestCount(path: string): number;
  close(): Promise<void>;
}

/** The scopes the development server knows when `scopes` is not given. */
export const DEFAULT_SCOPES: readonly string[] = [
  'files:read',
  'files:write',
  'files:list',
  'application:read',
  'application:write',
  'user:read',
  'user:write',
  'read',
  'write',
  'admin',
];

/**
 * oidc-provider drops a scope it was not configured with and issues the token anyway: a
 * caller's own `notes:read` became a token with no scope and every tool hidden. Refuse it
 * instead, naming the scope and the option that adds it.
 */
function refuseUnknownScopes(
  ctx: KoaContextWithOIDC,
  known: readonly string[],
  InvalidScope: new (description: string, scope: string) => Error,
) {
  const requested = ctx.oidc.params?.scope;
  if (typeof requested !== 'string') return;
  const allowed = new Set(['openid', 'offline_access', ...known]);
  const unknown = requested.split(' ').filter((scope) => scope && !allowed.has(scope));
  if (unknown.length === 0) return;
  throw new InvalidScope(
    `unknown scope ${unknown.map((scope) => `"${scope}"`).join(', ')}: this development authorization server knows only ${known.join(' ')}; start it with your scopes, e.g. startAuthorizationServer({ scopes: [...DEFAULT_SCOPES, ${unknown.map((scope) => `'${scope}'`).join(', ')}] })`,
    unknown.join(' '),
  );
}

/**
 * Starts a real OAuth 2.1 / OpenID Connect authorization server (oidc-provider) on a local
 * port: discovery, JWKS, token endpoint with client credentials, authorization code + PKCE
 * with resource indicators (RFC 8707) and refresh, introspection (RFC 7662) and dynamic client
 * registration. Access tokens for a resource are RFC 9068 JWTs (or opaque, if so configured).
 */
export async function startAuthorizationServer(
  options: AuthorizationServerOptions = {},
): Promise<AuthorizationServer> {
  const { Provider: OidcProvider, errors } = await loadOidcProvider();
  const profile = options.profile ?? 'standard';
  const routes = PROFILE_ROUTES[profile];
  const scopes = [...(options.scopes ?? DEFAULT_SCOPES)];
  const opaque = new Set(options.opaqueResources ?? []);
  const ttl = options.accessTokenTtlSeconds ?? 3600;
  const defaultSubject = options.defaultSubject ?? 'dev-user';
  const algorithms = options.algorithms ?? ['RS256'];
  const cookieKeys = [randomBytes(32).toString('base64url')];
  const adapter = createMemoryAdapterFactory();

  let keys: SigningKey[] = await Promise.all(
    algorithms.map((alg, index) =>
      generateSigningKey(alg, profile === 'casdoor' && index === 0 ? 'cert-built-in' : undefined),
    ),
  );
  const clients: ClientMetadata[] = (options.clients ?? []).map((client) =>
    toClientMetadata(client, profile),
  );
  const exchangeClients = new Set<string>();
  const allowExchange = (registration: ClientRegistration, metadata: ClientMetadata) => {
    if (registration.grantTypes?.includes(TOKEN_EXCHANGE_GRANT))
      exchangeClients.add(metadata.client_id);
  };
  for (const [index, client] of (options.clients ?? []).entries())
    allowExchange(client, clients[index]!);
  const counts = new Map<string, number>();
  const sockets = new Set<Socket>();
  let reachable = true;
  let provider: Provider | undefined;
  let handle: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;

  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    counts.set(path, (counts.get(path) ?? 0) + 1);
    if (!reachable) {
      req.socket.destroy();
      return;
    }
    const current = provider!;
    const interaction = /^\/interaction\/([^/]+)$/.exec(path);
    if (interaction) {
      autoApproveInteraction(current, req, res, defaultSubject).catch((error: Error) => {
        res.statusCode = 400;
        res.end(`interaction failed: ${error.message}`);
      });
      return;
    }
    handle!(req, res);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host ?? '127.0.0.1';
  const issuer = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

  const build = () => {
    const configuration: Configuration = {
      clients,
      jwks: {
        keys: keys.map((key) => key.privateJwk) as Configuration['jwks'] extends { keys: infer K }
          ? K
          : never,
      },
      cookies: { keys: cookieKeys },
      scopes: ['openid', 'offline_access', ...scopes],
      findAccount: (_ctx, sub) => ({ accountId: sub, claims: () => ({ sub }) }),
      routes,
      adapter,
      ttl: {
        AccessToken: ttl,
        ClientCredentials: ttl,
        AuthorizationCode: 60,
        IdToken: ttl,
        RefreshToken: 14 * 86_400,
        Interaction: 600,
        Session: 86_400,
        Grant: 14 * 86_400,
      },
      pkce: { required: () => true },
      enabledJWA: { dPoPSigningAlgValues: ['ES256', 'ES384', 'EdDSA', 'PS256', 'RS256'] },
      clientDefaults: { id_token_signed_response_alg: keys[0]!.alg },
      extraTokenClaims: async (_ctx, token) => actorClaims(token),
      issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
      features: {
        devInteractions: { enabled: false },
        clientCredentials: { enabled: true },
        // DPoP (RFC 9449): a token request with a DPoP proof gets a token bound to its key
        // (`token_type: DPoP`, `cnf.jkt` in the JWT and in introspection answers).
        dPoP: { enabled: true },
        introspection: { enabled: true, allowedPolicy: async () => true },
        revocation: { enabled: true },
        registration: { enabled: options.dynamicRegistration ?? false },
        resourceIndicators: {
          enabled: true,
          defaultResource: async (_ctx, _client, oneOf) =>
            oneOf ?? (profile === 'casdoor' ? issuer : undefined),
          useGrantedResource: async () => true,
          getResourceServerInfo: async (ctx, resource) => {
            refuseUnknownScopes(ctx, scopes, errors.InvalidScope);
            return {
              scope: scopes.join(' '),
              audience: resource,
              accessTokenTTL: ttl,
              accessTokenFormat: opaque.has(resource) ? 'opaque' : 'jwt',
              jwt: { sign: { alg: keys[0]!.alg, kid: keys[0]!.kid } },
            };
          },
        },
      },
      formats: {
        customizers: {
          jwt: async (_ctx, token, jwt) => {
            if (profile !== 'casdoor') return;
            const shape = jwt as unknown as TokenShape;
            shape.header ??= {};
            shapeAsCasdoor(
              shape,
              token.kind === 'ClientCredentials' ? 'client_credentials' : 'user',
            );
          },
        },
      },
    };
    const next = new OidcProvider(issuer, configuration);
    next.on('server_error', (_ctx: unknown, error: Error) => {
      process.stderr.write(`[@portcullis/testing] authorization server error: ${error.message}\n`);
    });
    registerTokenExchangeGrant(next, {
      profile,
      issuer,
      keys: () => keys,
      exchangeClients,
      targets: options.exchangeTargets ?? {},
      accessTokenTtlSeconds: ttl,
    });
    provider = next;
    handle = next.callback();
  };
  build();

  const at = (path: string) => `${issuer}${path}`;
  const endpoints = {
    issuer,
    discoveryUrl: at('/.well-known/openid-configuration'),
    jwksUri: at(routes.jwks),
    tokenEndpoint: at(routes.token),
    introspectionEndpoint: at(routes.introspection),
    revocationEndpoint: at(routes.revocation),
    authorizationEndpoint: at(routes.authorization),
    registrationEndpoint: at(routes.registration),
  };

  const close = () =>
    new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    });

  return {
    profile,
    ...endpoints,
    get keys() {
      return keys;
    },
    jwks: () => ({ keys: keys.map((key) => key.publicJwk) }),
    async registerClient(registration = {}) {
      const metadata = toClientMetadata(registration, profile);
      clients.push(metadata);
      allowExchange(registration, metadata);
      build();
      return {
        clientId: metadata.client_id,
        ...(metadata.client_secret && { clientSecret: metadata.client_secret }),
      };
    },
    mintToken: (mintOptions) => mintToken(issuer, profile, keys, mintOptions),
    clientCredentialsToken: (tokenOptions) =>
      requestClientCredentialsToken(endpoints.tokenEndpoint, profile, tokenOptions),
    authorizationCodeToken: (tokenOptions) =>
      requestAuthorizationCodeToken(endpoints, tokenOptions),
    refreshToken: (tokenOptions) =>
      requestRefreshToken(endpoints.tokenEndpoint, profile, tokenOptions),
    async rotateKeys(rotation = {}) {
      const key = await generateSigningKey(keys[0]!.alg);
      keys = rotation.retireOld ? [key] : [key, ...keys];
      build();
      return key;
    },
    setReachable(value) {
      reachable = value;
      if (!value) for (const socket of sockets) socket.destroy();
    },
    requestCount: (path) => counts.get(path) ?? 0,
    close,
    [Symbol.asyncDispose]: close,
  };
}
