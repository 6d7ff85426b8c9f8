import { createLocalJWKSet, type JWK, type JWTPayload, jwtVerify } from 'jose';
import type Provider from 'oidc-provider';
import type { KoaContextWithOIDC, TokenEndpointGrantContext } from 'oidc-provider';
import type { AuthorizationServerProfile } from './profiles.js';
import type { SigningKey } from './signing-keys.js';

/** The RFC 8693 grant type. */
export const TOKEN_EXCHANGE_GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange';
const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';
const JWT_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:jwt';

const PARAMETERS = [
  'audience',
  'resource',
  'scope',
  'requested_token_type',
  'subject_token',
  'subject_token_type',
  'actor_token',
  'actor_token_type',
];

/** oidc-provider's own DPoP checks, which its built-in grants run (not in its type definitions). */
interface GrantHelpers {
  validateDpop(
    provider: Provider,
    ctx: KoaContextWithOIDC,
  ): Promise<{ thumbprint: string; jti: string; iat: number } | undefined>;
  checkDpopReplay(
    provider: Provider,
    ctx: KoaContextWithOIDC,
    dPoP: { thumbprint: string; jti: string; iat: number },
    clientId: string,
  ): Promise<void>;
}
/** A variable, so that TypeScript does not look for types oidc-provider does not ship. */
const GRANT_HELPERS = 'oidc-provider/lib/helpers/grants.js';

/** The actor of each exchanged token that has one, read back by {@link actorClaims}. */
const actors = new WeakMap<object, unknown>();

/**
 * The `act` claim (RFC 8693 §4.1) of a token issued by the exchange with an `actor_token`:
 * oidc-provider's `extraTokenClaims` hook returns it, as it replaces a token's extra claims.
 */
export function actorClaims(token: object): { act: { sub: unknown } } | undefined {
  return actors.has(token) ? { act: { sub: actors.get(token) } } : undefined;
}

/** What the token exchange grant needs to know about the server it runs in. */
export interface TokenExchangeGrantSettings {
  profile: AuthorizationServerProfile;
  issuer: string;
  /** The keys published now (subject and actor tokens must verify with one). */
  keys: () => readonly SigningKey[];
  /** Clients allowed to use the grant. */
  exchangeClients: ReadonlySet<string>;
  /** Standard profile: targets (audience or resource) and the scopes each may be granted. */
  targets: Readonly<Record<string, readonly string[]>>;
  accessTokenTtlSeconds: number;
}

/** An RFC 6749 error answer: `{ error, error_description }` with HTTP 400. */
class ExchangeRefusal extends Error {
  constructor(
    readonly error: string,
    readonly description: string,
  ) {
    super(description);
  }
}

/** Casdoor's shorthand scopes: `read` is every `*:read`, `write` every `*:write`, `admin` all. */
function expandCasdoorScopes(scopes: readonly string[]): (scope: string) => boolean {
  const granted = new Set(scopes);
  return (scope) =>
    granted.has(scope) ||
    granted.has('admin') ||
    (scope.endsWith(':read') && granted.has('read')) ||
    (scope.endsWith(':write') && granted.has('write'));
}

const scopesOf = (payload: JWTPayload) =>
  typeof payload.scope === 'string' ? payload.scope.split(' ').filter(Boolean) : [];

/**
 * Registers `urn:ietf:params:oauth:grant-type:token-exchange` (RFC 8693) with an oidc-provider
 * instance, so it is advertised in discovery and served at the token endpoint.
 *
 * - Standard profile: exchanges an access token of this server for one whose audience is a
 *   configured target (`audience` or `resource`), with scopes that target allows; an
 *   `actor_token` of this server becomes the `act` claim (delegation).
 * - Casdoor profile (its newest releases): the subject token must have been issued to the
 *   requesting application, `audience` may only name that application, and the scopes must be
 *   within the subject token's grant: a down-scoped token for the same application. The answer
 *   has Casdoor's shape (`refresh_token: ""`, no `issued_token_type`).
 */
export function registerTokenExchangeGrant(
  provider: Provider,
  settings: TokenExchangeGrantSettings,
): void {
  const verifyOwnToken = async (token: string, what: string) => {
    try {
      const keys = createLocalJWKSet({ keys: settings.keys().map((key) => key.publicJwk as JWK) });
      const { payload } = await jwtVerify(token, keys, { issuer: settings.issuer });
      if (payload.tokenType !== undefined && payload.tokenType !== 'access-token')
        throw new Error('not an access token');
      return payload;
    } catch {
      throw new ExchangeRefusal(
        'invalid_grant',
        `${what} is invalid, expired or not an access token of this server`,
      );
    }
  };

  const handler = async (ctx: TokenEndpointGrantContext) => {
    const params = ctx.oidc.params as Record<string, string | undefined>;
    const { client } = ctx.oidc;
    const casdoor = settings.profile === 'casdoor';
    if (!settings.exchangeClients.has(client.clientId))
      throw casdoor
        ? new ExchangeRefusal(
            'unsupported_grant_type',
            'token exchange is not enabled for this application',
          )
        : new ExchangeRefusal('unauthorized_client', 'this client may not use token exchange');
    if (!params.subject_token)
      throw new ExchangeRefusal('invalid_request', 'subject_token is required');
    const typeAllowed =
      params.subject_token_type === ACCESS_TOKEN_TYPE ||
      (!casdoor && params.subject_token_type === JWT_TOKEN_TYPE);
    if (!typeAllowed)
      throw new ExchangeRefusal(
        'invalid_request',
        `unsupported subject_token_type: ${params.subject_token_type ?? '(none)'}`,
      );
    if (
      params.requested_token_type !== undefined &&
      params.requested_token_type !== ACCESS_TOKEN_TYPE
    )
      throw new ExchangeRefusal('invalid_request', 'only access tokens can be requested');
    const subject = await verifyOwnToken(params.subject_token, 'subject_token');
    const actor =
      params.actor_token === undefined
        ? undefined
        : await verifyOwnToken(params.actor_token, 'actor_token');
    const requested = params.scope?.split(' ').filter(Boolean) ?? [];

    let audience: string;
    let scopes: string[];
    if (casdoor) {
      const audiences = [subject.aud ?? []].flat();
      if (subject.azp !== client.clientId && !audiences.includes(client.clientId))
        throw new ExchangeRefusal(
          'invalid_grant',
          'subject_token was not issued to this application',
        );
      if (params.audience !== undefined && params.audience !== client.clientId)
        throw new ExchangeRefusal(
          'invalid_target',
          'audience must identify the requesting application',
        );
      audience = client.clientId;
      const inGrant = expandCasdoorScopes(scopesOf(subject));
      const outside = requested.find((scope) => !inGrant(scope));
      if (outside !== undefined)
        throw new ExchangeRefusal(
          'invalid_scope',
          `requested scope "${outside}" is not in the subject token grant`,
        );
      scopes = requested.length > 0 ? requested : scopesOf(subject);
    } else {
      if ((params.audience === undefined) === (params.resource === undefined))
        throw new ExchangeRefusal(
          'invalid_target',
          'name the target with exactly one audience or resource',
        );
      audience = (params.audience ?? params.resource)!;
      const allowed = settings.targets[audience];
      if (!allowed)
        throw new ExchangeRefusal('invalid_target', `no token exchange for ${audience}`);
      const outside = requested.find((scope) => !allowed.includes(scope));
      if (outside !== undefined)
        throw new ExchangeRefusal(
          'invalid_scope',
          `scope "${outside}" is not available for ${audience}`,
        );
      scopes = requested.length > 0 ? requested : [...allowed];
    }

    const { validateDpop, checkDpopReplay } = (await import(GRANT_HELPERS)) as GrantHelpers;
    const dPoP = await validateDpop(provider, ctx);
    const token = new provider.AccessToken({
      accountId: String(subject.sub),
      client,
      gty: 'token-exchange',
      scope: scopes.join(' '),
    } as never);
    if (actor) actors.set(token, actor.sub);
    token.resourceServer = new (
      provider as unknown as { ResourceServer: new (id: string, data: object) => never }
    ).ResourceServer(audience, {
      audience,
      scope: scopes.join(' '),
      accessTokenTTL: settings.accessTokenTtlSeconds,
      accessTokenFormat: 'jwt',
      jwt: { sign: { alg: settings.keys()[0]!.alg, kid: settings.keys()[0]!.kid } },
    });
    if (dPoP) {
      await checkDpopReplay(provider, ctx, dPoP, client.clientId);
      (token as unknown as { setThumbprint(prop: string, value: string): void }).setThumbprint(
        'jkt',
        dPoP.thumbprint,
      );
    }
    ctx.oidc.entity('AccessToken', token);
    const accessToken = await token.save();
    const answer = {
      access_token: accessToken,
      token_type: (token as unknown as { tokenType: string }).tokenType,
      expires_in: token.expiration,
      scope: token.scope,
    };
    ctx.body = casdoor
      ? { ...answer, refresh_token: '' }
      : { ...answer, issued_token_type: ACCESS_TOKEN_TYPE };
  };

  provider.registerGrantType(
    TOKEN_EXCHANGE_GRANT,
    async (ctx) => {
      try {
        await handler(ctx);
      } catch (error) {
        if (!(error instanceof ExchangeRefusal)) throw error;
        ctx.status = 400;
        ctx.body = { error: error.error, error_description: error.description };
      }
    },
    PARAMETERS,
  );
}
