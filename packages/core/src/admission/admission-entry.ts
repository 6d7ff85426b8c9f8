import type { AuthError } from '../auth-error.js';
import type { AuthInfo } from '../auth-info.js';
import type { OriginPolicy } from '../origin-policy.js';

/**
 * What a browser-facing entry (an HTTP request, a WebSocket upgrade) says about where it comes
 * from, as the transport read it, and the policy that judges it.
 */
export interface BrowserCheck {
  /** The policy built once by the transport with `createOriginPolicy`. */
  policy: OriginPolicy;
  /** The `Host` the request names (see `requestHost`). */
  host: string | undefined;
  /** The `Origin` header, absent for non-browser clients. */
  origin: string | undefined;
}

/**
 * The `Host`/`Origin` checks alone: for what a transport answers before it reads credentials
 * (a CORS preflight, say). Every {@link RequestEntry} makes the same checks first.
 */
export interface OriginEntry {
  kind: 'origin';
  transport: string;
  browser: BrowserCheck;
}

/**
 * An HTTP request or a WebSocket upgrade: `Host` and `Origin`, then exactly one credential out
 * of everything the transport presents, its verification, the rate limit, then DPoP.
 */
export interface RequestEntry {
  kind: 'request';
  transport: string;
  browser: BrowserCheck;
  /** Every `Authorization` header value (Node: `req.headersDistinct.authorization`). */
  authorization: string | readonly string[] | undefined;
  /**
   * The offered WebSocket subprotocols, whose `bearer.` entries carry tokens; absent on
   * transports that have none.
   */
  subprotocols?: readonly string[];
  /** The query string of the request URL (`?…`), where a token is refused unless accepted. */
  search: string;
  /** Take `?access_token=` as a credential (WebSocket's `allowQueryToken`). Default false. */
  acceptQueryToken?: boolean;
  /** The `DPoP` header(s). */
  dpop: string | readonly string[] | undefined;
  /** The HTTP method (`GET` for an upgrade). */
  method: string;
  /** The absolute URL the request was sent to, as the client sees it (see `requestUrl`). */
  url: string;
}

/**
 * A fresh token on an open connection (WebSocket's `portcullis/authenticate`): counted against
 * the rate limit like any request, and refused when it names another identity.
 */
export interface ReauthenticationEntry {
  kind: 'reauthenticate';
  transport: string;
  /** The token of the message. */
  token: unknown;
  /** The DPoP proof of the message, if any (it then uses the `DPoP` scheme). */
  proof: unknown;
  /** The identity the connection was opened for (`identityKey`); absent with authorization off. */
  identity: string | undefined;
  /** The URL the connection was opened on: the `htu` of an in-band proof (`POST`). */
  url: string | undefined;
}

/** The local user, trusted without a token by an explicit choice of scopes. */
export interface LocalUser {
  /** The scopes granted; there is no "everything". */
  scopes: readonly string[];
  /** Who the caller is said to be. */
  subject: string;
}

/**
 * The start of a process that serves one caller (stdio): the token of its environment, or an
 * explicit local trust. No DPoP proof can travel with it, so `dpop: required` refuses to start.
 */
export interface StartEntry {
  kind: 'start';
  transport: string;
  /** The token from the environment, if one was set. */
  token: string | undefined;
  /** Trust the local user instead, when no token was set. */
  localUser?: LocalUser;
}

/**
 * One JSON-RPC request on an open connection or process: the caller's token must still be
 * valid, and the request is counted against its rate limit like an HTTP request.
 */
export interface MessageEntry {
  kind: 'message';
  transport: string;
  /** The identity the connection or process runs as; `undefined` with authorization off. */
  auth: AuthInfo | undefined;
}

/** Every way in: each transport calls `portcullis.admit` with one of these. */
export type AdmissionEntry =
  | OriginEntry
  | RequestEntry
  | ReauthenticationEntry
  | StartEntry
  | MessageEntry;

/**
 * The answer of `portcullis.admit`: the caller's identity (`undefined` with authorization off,
 * or for an {@link OriginEntry}), or the refusal, already audited, that the transport only
 * translates: `portcullis.challenge` for HTTP, `refusalResponse` in band, a close code, a line
 * on stderr.
 */
export type Admission =
  | { readonly admitted: true; readonly auth: AuthInfo | undefined }
  | { readonly admitted: false; readonly refusal: AuthError };
