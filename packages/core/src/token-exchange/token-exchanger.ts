import type { AuditSink, TokenExchangeEvent } from '../audit.js';
import { type AuthInfo, identityKey } from '../auth-info.js';
import { discoverAuthorizationServer } from '../authorization-server-discovery.js';
import type { FetchLike } from '../fetch-json.js';
import { parseScopeValue } from '../scope-policy.js';
import { tokenHash } from '../token-hash.js';
import { authenticateClient, type ClientAuthentication } from './client-authentication.js';
import { ExchangedToken } from './exchanged-token.js';
import {
  createMemoryExchangedTokenStore,
  type ExchangedTokenRecord,
  type ExchangedTokenStore,
} from './exchanged-token-store.js';
import {
  createServerDpopKey,
  type ServerDpopKey,
  type ServerDpopKeyPair,
} from './server-dpop-key.js';
import { ACCESS_TOKEN_TYPE, requestExchange, TOKEN_EXCHANGE_GRANT } from './token-endpoint.js';
import { TokenExchangeError } from './token-exchange-error.js';

/** Options for token exchange (`createPortcullis({ tokenExchange })`). */
export interface TokenExchangeOptions {
  /** The MCP server's own client id at the authorization server. */
  clientId: string;
  /** How that client authenticates; a bare string is a secret sent with HTTP Basic. */
  clientAuthentication: ClientAuthentication | string;
  /**
   * The audiences or resources the server may get tokens for, each with the scopes it may ask
   * for there. A request for anything else is refused before any request is sent.
   */
  allowed: Readonly<Record<string, readonly string[]>>;
  /**
   * The `subject_token_type` sent with the caller's token. Default
   * `urn:ietf:params:oauth:token-type:access_token`; Auth0's Custom Token Exchange wants a type
   * of your own naming the profile.
   */
  subjectTokenType?: string;
  /** The issuer whose token endpoint exchanges. Default: the MCP server's only authorization server. */
  issuer?: string;
  /** The token endpoint; default: discovered from the issuer's metadata. */
  tokenEndpoint?: string;
  /**
   * DPoP (RFC 9449) for exchanged tokens: `auto` (default) binds them to the server's own key
   * when the caller's token is DPoP-bound; `always` for every exchange; `never`.
   */
  dpop?: 'auto' | 'always' | 'never';
  /** The server's DPoP key; default: an ES256 key generated once per process. */
  dpopKey?: ServerDpopKeyPair;
  /**
   * A token representing the MCP server itself, sent as `actor_token` (delegation: the
   * downstream token then names the server in its `act` claim), for authorization servers that
   * support it. Called for each exchange that is not served from the cache.
   */
  actorToken?: () => string | Promise<string>;
  /**
   * Whether the authorization server grants only scopes the caller's own token has (Casdoor:
   * "requested scope is not in the subject token grant"). Then an `invalid_scope` refusal for
   * scopes the caller lacks asks the MCP client to step up (`insufficient_scope`) instead of
   * failing the call. Default false: the downstream scopes are the target's own (Keycloak, Auth0).
   */
  scopesFromCaller?: boolean;
  /** The cache of exchanged tokens; `false` to exchange every time. */
  cache?: false | { store?: ExchangedTokenStore; maxEntries?: number };
  /** Seconds before its expiry that a cached token stops being reused. Default 30. */
  refreshBeforeSeconds?: number;
  fetch?: FetchLike;
  /** Token endpoint deadline in milliseconds. Default 10 000. */
  timeoutMs?: number;
  /** Clock in milliseconds; injectable for tests. */
  now?: () => number;
}

/** What a handler asks for: exactly one of `audience` and `resource`, and the scopes. */
export interface TokenExchangeRequest {
  /** A logical audience (Keycloak's client id, Auth0's API identifier, Casdoor's client id). */
  audience?: string;
  /** An RFC 8707 resource indicator (an absolute URL). */
  resource?: string;
  /** The downstream scopes; default every scope allowed for the target. */
  scope?: string | readonly string[];
}

/** Exchanges the callers' tokens for downstream tokens. */
export interface TokenExchanger {
  /**
   * The downstream token for `auth`'s caller; `signal` ends the wait (not a shared exchange),
   * `transport` names the request's transport in the audit record.
   */
  exchange(
    auth: AuthInfo,
    request: TokenExchangeRequest,
    signal?: AbortSignal,
    transport?: string,
  ): Promise<ExchangedToken>;
}

/** `promise`, or a rejection as soon as `signal` aborts (the request was cancelled). */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const abort = () => reject(signal.reason);
    signal.addEventListener('abort', abort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', abort));
  });
}

/**
 * Creates the exchanger behind `HandlerContext.exchange`; each exchange asked for is one
 * `token_exchange` audit event when `audit` is given.
 */
export function createTokenExchanger(
  options: TokenExchangeOptions & { issuer: string; audit?: AuditSink },
): TokenExchanger {
  if (!options.clientId) throw new TypeError('tokenExchange.clientId must name the server client');
  if (!['auto', 'always', 'never', undefined].includes(options.dpop))
    throw new TypeError(`tokenExchange.dpop must be auto, always or never, not ${options.dpop}`);
  const now = options.now ?? Date.now;
  const fetchImpl: FetchLike = options.fetch ?? fetch;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const refreshBeforeMs = (options.refreshBeforeSeconds ?? 30) * 1000;
  const dpopMode = options.dpop ?? 'auto';
  const authentication: ClientAuthentication =
    typeof options.clientAuthentication === 'string'
      ? { clientSecret: options.clientAuthentication }
      : options.clientAuthentication;
  const allowed = new Map(
    Object.entries(options.allowed).map(([target, scopes]) => [target, new Set(scopes)]),
  );
  const store =
    options.cache === false
      ? undefined
      : (options.cache?.store ??
        createMemoryExchangedTokenStore({ maxEntries: options.cache?.maxEntries, now }));
  const pending = new Map<string, Promise<ExchangedTokenRecord>>();
  let tokenEndpoint: Promise<string> | undefined;
  let dpopKey: Promise<ServerDpopKey> | undefined;

  const endpoint = () => {
    if (options.tokenEndpoint) return Promise.resolve(options.tokenEndpoint);
    tokenEndpoint ??= discoverAuthorizationServer(options.issuer, { fetch: fetchImpl }).then(
      (metadata) => {
        if (typeof metadata.token_endpoint !== 'string')
          throw new Error(`${options.issuer} publishes no token_endpoint`);
        return metadata.token_endpoint;
      },
    );
    // A failed discovery is tried again on the next exchange.
    return tokenEndpoint.catch((error: Error) => {
      tokenEndpoint = undefined;
      throw new TokenExchangeError('unavailable', `token exchange: ${error.message}`, {
        cause: error,
      });
    });
  };
  const serverKey = () => {
    dpopKey ??= createServerDpopKey(options.dpopKey);
    return dpopKey;
  };

  /** Checks the request against `allowed`; returns the target and the sorted scopes. */
  const check = (auth: AuthInfo, request: TokenExchangeRequest) => {
    if ((request.audience === undefined) === (request.resource === undefined))
      throw new TokenExchangeError(
        'invalid_request',
        'token exchange needs exactly one of audience and resource',
      );
    const target = (request.audience ?? request.resource)!;
    const scopes = allowed.get(target);
    if (!scopes)
      throw new TokenExchangeError(
        'invalid_target',
        `token exchange for ${JSON.stringify(target)} is not allowed by this server's configuration`,
      );
    const requested =
      request.scope === undefined
        ? [...scopes]
        : typeof request.scope === 'string'
          ? parseScopeValue(request.scope)
          : [...request.scope];
    const refused = requested.filter((scope) => !scopes.has(scope));
    if (refused.length > 0)
      throw new TokenExchangeError(
        'invalid_scope',
        `scope ${refused.join(' ')} is not allowed for ${target} by this server's configuration`,
      );
    if (auth.issuer !== options.issuer)
      throw new TokenExchangeError(
        'invalid_request',
        `the caller's token comes from ${auth.issuer}, not from ${options.issuer}, which exchanges tokens`,
      );
    return { target, scopes: [...new Set(requested)].sort() };
  };

  const exchangeAtServer = async (
    auth: AuthInfo,
    request: TokenExchangeRequest,
    scopes: readonly string[],
    key: ServerDpopKey | undefined,
  ): Promise<ExchangedTokenRecord> => {
    const url = await endpoint();
    const form = new URLSearchParams({
      grant_type: TOKEN_EXCHANGE_GRANT,
      subject_token: auth.token,
      subject_token_type: options.subjectTokenType ?? ACCESS_TOKEN_TYPE,
      requested_token_type: ACCESS_TOKEN_TYPE,
    });
    if (request.audience !== undefined) form.set('audience', request.audience);
    if (request.resource !== undefined) form.set('resource', request.resource);
    if (scopes.length > 0) form.set('scope', scopes.join(' '));
    if (options.actorToken) {
      form.set('actor_token', await options.actorToken());
      form.set('actor_token_type', ACCESS_TOKEN_TYPE);
    }
    const headers: Record<string, string> = {
      'content-type': 'application/x-www-form-urlencoded',
      accept: 'application/json',
    };
    await authenticateClient(options.clientId, authentication, url, form, headers);
    const body = form.toString();
    const deadline = AbortSignal.timeout(timeoutMs);
    try {
      return await requestExchange(
        url,
        async (nonce) =>
          fetchImpl(url, {
            method: 'POST',
            redirect: 'error',
            signal: deadline,
            headers: key
              ? { ...headers, dpop: await key.proof({ method: 'POST', url, nonce }) }
              : headers,
            body,
          }),
        now(),
      );
    } catch (error) {
      if (
        options.scopesFromCaller &&
        error instanceof TokenExchangeError &&
        error.code === 'invalid_scope'
      ) {
        // Refused a scope the caller never had: the caller's own token must grow (step-up).
        const granted = new Set(auth.scopes);
        const missing = scopes.filter((scope) => !granted.has(scope));
        if (missing.length > 0)
          throw new TokenExchangeError('invalid_scope', error.message, {
            source: 'authorization-server',
            status: error.status,
            missingCallerScopes: missing,
            grantedCallerScopes: auth.scopes,
          });
      }
      throw error;
    }
  };

  /** The downstream token for a checked request: from the cache, or from the token endpoint. */
  const obtain = async (
    auth: AuthInfo,
    request: TokenExchangeRequest,
    { target, scopes }: { target: string; scopes: string[] },
    signal: AbortSignal | undefined,
  ): Promise<{ token: ExchangedToken; reused: boolean }> => {
    const key =
      dpopMode === 'always' || (dpopMode === 'auto' && auth.dpopThumbprint !== undefined)
        ? await serverKey()
        : undefined;
    // The caller's granted scopes are part of the key: a narrower token never reuses what a
    // wider one obtained.
    const cacheKey = tokenHash(
      JSON.stringify([
        identityKey(auth),
        [...auth.scopes].sort(),
        request.audience === undefined ? 'resource' : 'audience',
        target,
        scopes,
        key?.thumbprint ?? '',
      ]),
    );
    // A store that fails (Redis away) is a miss: the exchange is simply made again.
    const cached = store && (await Promise.resolve(store.get(cacheKey)).catch(() => undefined));
    if (cached && cached.expiresAt * 1000 - refreshBeforeMs > now())
      return { token: new ExchangedToken(cached, key, fetchImpl), reused: true };
    let exchange = pending.get(cacheKey);
    if (!exchange) {
      // Shared by concurrent first uses, so one caller's cancellation does not end it.
      exchange = exchangeAtServer(auth, request, scopes, key).then(async (record) => {
        // Reused no longer than the caller's own token lives.
        const until = Math.min(record.expiresAt, auth.expiresAt) * 1000 - refreshBeforeMs;
        if (store && until > now())
          await Promise.resolve(store.set(cacheKey, record, until)).catch(() => {});
        return record;
      });
      pending.set(cacheKey, exchange);
      exchange.finally(() => pending.delete(cacheKey)).catch(() => {});
    }
    const record = await untilAborted(exchange, signal);
    return { token: new ExchangedToken(record, key, fetchImpl), reused: false };
  };

  return {
    async exchange(auth, request, signal, transport) {
      let checked: { target: string; scopes: string[] } | undefined;
      const audit = (outcome: TokenExchangeEvent['outcome'], code?: string) =>
        options.audit?.({
          type: 'token_exchange',
          issuer: auth.issuer,
          subject: auth.subject,
          clientId: auth.clientId,
          target: checked?.target ?? request.audience ?? request.resource ?? '',
          scopes: checked?.scopes ?? [],
          outcome,
          ...(code !== undefined && { code }),
          ...(transport !== undefined && { transport }),
        });
      try {
        checked = check(auth, request);
        const { token, reused } = await obtain(auth, request, checked, signal);
        audit(reused ? 'reused' : 'issued');
        return token;
      } catch (error) {
        audit('refused', error instanceof TokenExchangeError ? error.code : 'unavailable');
        throw error;
      }
    },
  };
}
