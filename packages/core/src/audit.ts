/** What an audited request targeted. */
export type AuditTargetKind = 'tool' | 'resource' | 'prompt';

/** An authentication failure: a request whose token was missing or refused. */
export interface AuthenticationFailedEvent {
  type: 'authentication_failed';
  /** The `AuthError` code, e.g. `invalid_token`. */
  code: string;
  /** Why, safe to log: never the token. */
  reason: string;
  transport?: string;
}

/** A decision about one tool call, resource read or prompt. */
export interface AccessDecisionEvent {
  type: 'access_allowed' | 'access_denied';
  kind: AuditTargetKind;
  /** The tool or prompt name, or the resource URI. */
  target: string;
  issuer: string | undefined;
  subject: string | undefined;
  clientId: string | undefined;
  /** Scopes the caller lacked; empty when allowed. */
  missingScopes: string[];
  /** How long the handler ran, in milliseconds; absent for denials. */
  durationMs?: number;
  /** Whether the handler reported an error result or threw. */
  failed?: boolean;
  transport?: string;
}

/** A caller over its rate limit. */
export interface RateLimitedEvent {
  type: 'rate_limited';
  issuer: string;
  subject: string;
  clientId: string;
  transport?: string;
}

/** A session or connection touched by an identity that does not own it. */
export interface SessionMismatchEvent {
  type: 'session_mismatch';
  issuer: string;
  subject: string;
  clientId: string;
  transport?: string;
}

/**
 * One `subscriptions/listen` request: how many resource URIs it named and what became of
 * them. One record per request, however many URIs it names (never one per URI).
 */
export interface ListenDecisionEvent {
  type: 'listen_opened';
  issuer: string | undefined;
  subject: string | undefined;
  clientId: string | undefined;
  /** Resource URIs the request named. */
  requested: number;
  /** Acknowledged: they name a resource the caller may read. */
  acknowledged: number;
  /** Left out: they name a resource the caller lacks the scopes to read. */
  denied: number;
  /** Left out: they name no resource. */
  unknown: number;
  transport?: string;
}

/**
 * One token exchange a handler asked for (`ctx.exchange`): the caller, the audience or resource
 * and scopes asked for, and what became of it. Never a token, the caller's or the one obtained.
 */
export interface TokenExchangeEvent {
  type: 'token_exchange';
  issuer: string;
  subject: string;
  clientId: string;
  /** The audience or resource indicator asked for. */
  target: string;
  /** The downstream scopes asked for (every scope allowed for the target when none was named). */
  scopes: string[];
  /**
   * `issued` by the authorization server, `reused` from the cache of exchanged tokens, or
   * `refused` (by this server's configuration or by the authorization server) with `code`.
   */
  outcome: 'issued' | 'reused' | 'refused';
  /** The `TokenExchangeError` code of a refusal. */
  code?: string;
  /** The transport of the request whose handler asked. */
  transport?: string;
}

/**
 * Every security decision Portcullis makes. Events carry identities, never tokens, and never
 * tool arguments.
 */
export type AuditEvent =
  | AuthenticationFailedEvent
  | AccessDecisionEvent
  | RateLimitedEvent
  | SessionMismatchEvent
  | ListenDecisionEvent
  | TokenExchangeEvent;

/** Receives audit events; must not throw (errors are swallowed so auditing never breaks a call). */
export type AuditSink = (event: AuditEvent) => void;
