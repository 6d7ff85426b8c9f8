import type { AuditSink } from '../audit.js';
import { AuthError } from '../auth-error.js';
import { type AuthInfo, identityKey } from '../auth-info.js';
import type { AccessTokenCredential } from '../bearer-token.js';
import {
  type DpopPolicy,
  type DpopRequest,
  isKeyBound,
  unprovableBinding,
} from '../dpop-policy.js';
import type { RateLimiter } from '../rate-limiter.js';
import type { TokenVerifier } from '../token-verifier.js';
import type {
  Admission,
  AdmissionEntry,
  MessageEntry,
  ReauthenticationEntry,
  RequestEntry,
  StartEntry,
} from './admission-entry.js';
import { checkBrowser } from './browser-check.js';
import { queryTokens, readPresentedCredential } from './presented-credential.js';

/** What admission needs of a resource; built once by `createPortcullis`. */
export interface AdmissionOptions {
  /** The token verifier (cached); `undefined` with authorization off. */
  verifier: TokenVerifier | undefined;
  dpop: DpopPolicy | undefined;
  rateLimiter: RateLimiter | undefined;
  audit: AuditSink;
  /** Clock in milliseconds. Default `Date.now`. */
  now?: () => number;
}

/** A refusal that was audited already, under an event of its own. */
class AuditedRefusal extends Error {
  constructor(readonly refusal: AuthError) {
    super(refusal.message);
  }
}

/**
 * The one admission of a resource: every transport calls it for every entry (an HTTP request,
 * a WebSocket upgrade or re-authentication, a stdio start, each JSON-RPC request on an open
 * connection), so a policy added here holds on every transport. The order never changes:
 * `Host`/`Origin`, exactly one credential, verification, expiry, the rate limit, then the key
 * binding (DPoP) — the limit comes before a proof is checked, so one identity cannot fill the
 * replay cache. Every refusal is audited; nothing here ever throws.
 */
export function createAdmission(
  options: AdmissionOptions,
): (entry: AdmissionEntry) => Promise<Admission> {
  const { verifier, dpop, rateLimiter, audit } = options;
  const now = options.now ?? Date.now;

  const verify = async (credential: AccessTokenCredential) => {
    let auth: AuthInfo;
    try {
      auth = await verifier!.verify(credential.token);
    } catch (error) {
      const refusal =
        error instanceof AuthError
          ? error
          : new AuthError('unavailable', 'token verification failed', { cause: error });
      // The challenge names the error under the scheme the token came with.
      throw dpop ? refusal.withScheme(credential.scheme) : refusal;
    }
    if (auth.expiresAt * 1000 <= now()) throw new AuthError('invalid_token', 'token has expired');
    return auth;
  };

  /** Counts one request of `auth`; over the limit, an audited `rate_limited` refusal. */
  const limit = async (auth: AuthInfo, transport: string) => {
    if (!rateLimiter) return;
    const decision = await rateLimiter.consume(identityKey(auth));
    if (decision.allowed) return;
    audit({
      type: 'rate_limited',
      issuer: auth.issuer,
      subject: auth.subject,
      clientId: auth.clientId,
      transport,
    });
    throw new AuditedRefusal(
      new AuthError('rate_limited', 'too many requests', {
        retryAfterSeconds: decision.retryAfterSeconds,
      }),
    );
  };

  /** A bound token is accepted only with proof of its key: never as `Bearer`, in any mode. */
  const bind = (auth: AuthInfo, credential: AccessTokenCredential, request: DpopRequest) => {
    if (dpop) return dpop.bind(auth, credential, request);
    if (isKeyBound(auth.claims)) throw unprovableBinding(false);
    return auth;
  };

  async function admitRequest(entry: RequestEntry): Promise<AuthInfo | undefined> {
    checkBrowser(entry.browser);
    if (!verifier) {
      // Credentials are not read; a token in the URL is still refused.
      queryTokens(entry);
      return undefined;
    }
    const credential = readPresentedCredential(entry, dpop !== undefined);
    dpop?.precheck(credential);
    const auth = await verify(credential);
    await limit(auth, entry.transport);
    return bind(auth, credential, {
      dpop: entry.dpop,
      method: entry.method,
      url: entry.url,
    });
  }

  async function admitReauthentication(entry: ReauthenticationEntry): Promise<AuthInfo> {
    const { token, proof } = entry;
    if (!verifier)
      throw new AuthError('invalid_request', 'authorization is off: there is no token to renew');
    if (typeof token !== 'string' || token.length === 0)
      throw new AuthError('invalid_request', 'params.token must be a non-empty string');
    if (/\s/.test(token)) throw new AuthError('invalid_request', 'params.token holds whitespace');
    if (proof !== undefined && typeof proof !== 'string')
      throw new AuthError('invalid_request', 'params.dpop must be a DPoP proof (a string)');
    const credential: AccessTokenCredential = {
      scheme: dpop && proof !== undefined ? 'DPoP' : 'Bearer',
      token,
    };
    dpop?.precheck(credential);
    const auth = await verify(credential);
    if (entry.identity !== undefined && identityKey(auth) !== entry.identity) {
      audit({
        type: 'session_mismatch',
        issuer: auth.issuer,
        subject: auth.subject,
        clientId: auth.clientId,
        transport: entry.transport,
      });
      throw new AuditedRefusal(
        new AuthError(
          'invalid_token',
          'the new token names another identity than the one this connection was opened for',
        ),
      );
    }
    await limit(auth, entry.transport);
    // An in-band proof names POST and the URL the connection was opened on.
    return bind(auth, credential, {
      dpop: proof as string | undefined,
      method: 'POST',
      url: entry.url,
    });
  }

  async function admitStart(entry: StartEntry): Promise<AuthInfo | undefined> {
    if (dpop?.mode === 'required')
      throw new AuthError(
        'invalid_request',
        `this resource requires DPoP, and no DPoP proof can travel over ${entry.transport}: serve it over HTTP or WebSocket, or set DPoP to optional or off`,
      );
    let auth: AuthInfo;
    if (entry.token !== undefined) {
      if (!verifier) return undefined;
      if (entry.token.length === 0 || /\s/.test(entry.token))
        throw new AuthError('invalid_request', 'the access token is empty or holds whitespace');
      auth = await verify({ scheme: 'Bearer', token: entry.token });
      if (isKeyBound(auth.claims))
        throw new AuthError(
          'invalid_token',
          `the token is bound to a key (cnf), and no proof of that key can travel over ${entry.transport}: it cannot be used here`,
        );
    } else if (entry.localUser) {
      if (entry.localUser.scopes.length === 0)
        throw new AuthError('invalid_request', 'local trust must name at least one scope');
      auth = {
        token: '',
        clientId: 'local',
        scopes: [...entry.localUser.scopes],
        expiresAt: Number.MAX_SAFE_INTEGER,
        issuer: 'local',
        subject: entry.localUser.subject,
        claims: {},
      };
    } else if (!verifier) {
      return undefined;
    } else {
      throw new AuthError('missing_token', 'no access token was sent');
    }
    await limit(auth, entry.transport);
    return auth;
  }

  async function admitMessage({ auth, transport }: MessageEntry): Promise<AuthInfo | undefined> {
    if (!auth) return undefined;
    if (auth.expiresAt * 1000 <= now()) throw new AuthError('invalid_token', 'token has expired');
    await limit(auth, transport);
    return auth;
  }

  const admitted = (auth: AuthInfo | undefined): Admission => ({ admitted: true, auth });

  return async (entry) => {
    try {
      switch (entry.kind) {
        case 'origin':
          checkBrowser(entry.browser);
          return admitted(undefined);
        case 'request':
          return admitted(await admitRequest(entry));
        case 'reauthenticate':
          return admitted(await admitReauthentication(entry));
        case 'start':
          return admitted(await admitStart(entry));
        case 'message':
          return admitted(await admitMessage(entry));
      }
    } catch (error) {
      if (error instanceof AuditedRefusal) return { admitted: false, refusal: error.refusal };
      const refusal =
        error instanceof AuthError
          ? error
          : new AuthError('unavailable', 'authentication failed', { cause: error });
      audit({
        type: 'authentication_failed',
        code: refusal.code,
        reason: refusal.message,
        transport: entry.transport,
      });
      return { admitted: false, refusal };
    }
  };
}
