import type { DpopSession } from '@modelcontextprotocol/client';
import { clientSecretBasic } from '@portcullis/core';
import { decodeJwt } from 'jose';

/** How the client authenticates at the token endpoint. */
export type ClientAuthMethod = 'client_secret_post' | 'client_secret_basic';

/** Options for {@link TokenClient}. */
export interface TokenClientOptions {
  clientId: string;
  clientSecret: string;
  /** Scopes asked for at first. */
  scopes: readonly string[];
  /** Renew this many seconds before `exp`. Default 30. */
  renewBeforeSeconds?: number;
  /**
   * Ask for DPoP-bound tokens (RFC 9449): every token request carries a proof signed with this
   * session's key. The authorization server decides: it answers `token_type: DPoP` (bound) or
   * `Bearer` (it ignored the proof).
   */
  dpop?: DpopSession;
}

/** A token endpoint's refusal, with its OAuth error code. */
export class TokenError extends Error {
  override readonly name = 'TokenError';
  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
  }
}

/**
 * Gets access tokens with the client credentials grant and keeps the current one until shortly
 * before it expires. Casdoor-compatible: credentials go in the form body unless the server
 * says it prefers HTTP Basic; the other method is tried once if the first is refused. The
 * secret is only ever sent to the token endpoint.
 */
export class TokenClient {
  /** Where tokens come from; set directly or by discovery. */
  endpoint: string | undefined;
  /** RFC 8707 resource indicator sent with every token request: the MCP endpoint. */
  resource: string | undefined;
  /** Preferred client authentication. */
  authMethod: ClientAuthMethod = 'client_secret_post';
  /** Scopes of the current token (as asked for, or as the server answered). */
  scopes: string[];
  /** How many token requests were made. */
  requestCount = 0;

  #token: string | undefined;
  #tokenType: string | undefined;
  #expiresAt = 0;
  readonly #renewBefore: number;

  constructor(private readonly options: TokenClientOptions) {
    this.scopes = [...options.scopes];
    this.#renewBefore = options.renewBeforeSeconds ?? 30;
  }

  /** The current token, if any, without asking for one. */
  get current(): string | undefined {
    return this.#token;
  }

  /** Whether DPoP-bound tokens were asked for. */
  get wantsDpop(): boolean {
    return this.options.dpop !== undefined;
  }

  /** The DPoP session, when the current token is bound to its key (`token_type: DPoP`). */
  get dpop(): DpopSession | undefined {
    return this.#tokenType?.toLowerCase() === 'dpop' ? this.options.dpop : undefined;
  }

  /** A valid token: the cached one, or a new one (always new with `force`, or with other `scopes`). */
  async token(request: { force?: boolean; scopes?: readonly string[] } = {}): Promise<string> {
    const scopes = request.scopes ?? this.scopes;
    const sameScopes =
      scopes.length === this.scopes.length && scopes.every((scope) => this.scopes.includes(scope));
    if (
      !request.force &&
      sameScopes &&
      this.#token &&
      Date.now() / 1000 < this.#expiresAt - this.#renewBefore
    )
      return this.#token;
    try {
      return await this.#request(scopes, this.authMethod);
    } catch (error) {
      if (!(error instanceof TokenError) || error.code !== 'invalid_client') throw error;
      const other =
        this.authMethod === 'client_secret_post' ? 'client_secret_basic' : 'client_secret_post';
      const token = await this.#request(scopes, other);
      this.authMethod = other;
      return token;
    }
  }

  async #request(scopes: readonly string[], method: ClientAuthMethod): Promise<string> {
    if (!this.endpoint)
      throw new TokenError(
        'no token endpoint is known: give --token-url, or a server whose 401 names its metadata',
        undefined,
      );
    const form = new URLSearchParams({ grant_type: 'client_credentials' });
    if (scopes.length > 0) form.set('scope', scopes.join(' '));
    if (this.resource) form.set('resource', this.resource);
    const headers: Record<string, string> = {
      'content-type': 'application/x-www-form-urlencoded',
      accept: 'application/json',
    };
    if (method === 'client_secret_post') {
      form.set('client_id', this.options.clientId);
      form.set('client_secret', this.options.clientSecret);
    } else {
      headers.authorization = clientSecretBasic(this.options.clientId, this.options.clientSecret);
    }
    const post = async () => {
      this.requestCount += 1;
      const proof = await this.options.dpop?.buildProof({ htm: 'POST', htu: this.endpoint! });
      const answer = await fetch(this.endpoint!, {
        method: 'POST',
        headers: { ...headers, ...(proof && { dpop: proof }) },
        body: form,
        signal: AbortSignal.timeout(10_000),
      });
      this.options.dpop?.observeNonce(answer, this.endpoint!);
      return answer;
    };
    let response = await post();
    // An authorization server that wants its nonce in the proof says so once (RFC 9449 §8).
    if (this.options.dpop && response.status === 400 && response.headers.has('dpop-nonce')) {
      const error = (await response
        .clone()
        .json()
        .catch(() => ({}))) as { error?: unknown };
      if (error.error === 'use_dpop_nonce') response = await post();
    }
    const body = (await response.json().catch(() => ({}))) as Record<string, unknown>;
    if (!response.ok || typeof body.access_token !== 'string' || body.access_token === '') {
      const code = typeof body.error === 'string' ? body.error : undefined;
      const detail =
        typeof body.error_description === 'string' ? `: ${body.error_description}` : '';
      throw new TokenError(
        `the token endpoint refused (HTTP ${response.status}${code ? `, ${code}` : ''})${detail}`,
        code,
      );
    }
    this.#token = body.access_token;
    this.#tokenType = typeof body.token_type === 'string' ? body.token_type : undefined;
    this.#expiresAt = expiryOf(body.access_token, body.expires_in);
    this.scopes =
      typeof body.scope === 'string' && body.scope ? body.scope.split(' ') : [...scopes];
    return body.access_token;
  }
}

function expiryOf(token: string, expiresIn: unknown): number {
  try {
    const { exp } = decodeJwt(token);
    if (typeof exp === 'number') return exp;
  } catch {
    // An opaque token: only expires_in can tell.
  }
  return Date.now() / 1000 + (typeof expiresIn === 'number' ? expiresIn : 300);
}
