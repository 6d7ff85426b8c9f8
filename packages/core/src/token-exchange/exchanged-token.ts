import type { FetchLike } from '../fetch-json.js';
import type { ExchangedTokenRecord } from './exchanged-token-store.js';
import type { ServerDpopKey } from './server-dpop-key.js';

const NONCE_CHALLENGE = /\berror="?use_dpop_nonce"?/i;

/**
 * A token for a downstream API, obtained by token exchange on behalf of the caller.
 *
 * The token itself is a getter on the prototype, so `JSON.stringify` of this object (a log
 * line, say) leaves it out. Prefer {@link ExchangedToken.fetch}, which sends it with the right
 * scheme and, for a DPoP-bound token, a fresh proof from the server's own key.
 */
export class ExchangedToken {
  readonly #accessToken: string;
  readonly #dpopKey: ServerDpopKey | undefined;
  readonly #fetch: FetchLike;
  /** `Bearer`, or `DPoP` for a token bound to the server's own key. */
  readonly tokenType: string;
  /** The scopes granted, space-separated, as the authorization server said. */
  readonly scope: string;
  /** Expiry in seconds since the epoch. */
  readonly expiresAt: number;
  /** RFC 8693 `issued_token_type`, when the authorization server said (Casdoor does not). */
  readonly issuedTokenType: string | undefined;

  constructor(
    record: ExchangedTokenRecord,
    dpopKey: ServerDpopKey | undefined,
    fetchImpl: FetchLike,
  ) {
    this.#accessToken = record.accessToken;
    this.tokenType = record.tokenType;
    this.scope = record.scope;
    this.expiresAt = record.expiresAt;
    this.issuedTokenType = record.issuedTokenType;
    this.#dpopKey = /^dpop$/i.test(record.tokenType) ? dpopKey : undefined;
    this.#fetch = fetchImpl;
  }

  /** The access token, for a client that sends it itself. Never log it. */
  get accessToken(): string {
    return this.#accessToken;
  }

  /** The `Authorization` header value: `Bearer <token>` or `DPoP <token>`. */
  get authorization(): string {
    return `${this.#dpopKey ? 'DPoP' : 'Bearer'} ${this.#accessToken}`;
  }

  /**
   * Calls the downstream API with this token: sets `Authorization` (and a `DPoP` proof for a
   * bound token, retried once with the server's `DPoP-Nonce` when it asks for one).
   */
  async fetch(input: string | URL, init: RequestInit = {}): Promise<Response> {
    const send = async (nonce?: string) => {
      const headers = new Headers(init.headers);
      headers.set('authorization', this.authorization);
      if (this.#dpopKey)
        headers.set(
          'dpop',
          await this.#dpopKey.proof({
            method: init.method ?? 'GET',
            url: input,
            accessToken: this.#accessToken,
            nonce,
          }),
        );
      return this.#fetch(input, { ...init, headers });
    };
    const response = await send();
    const nonce = response.headers.get('dpop-nonce');
    const replayable =
      init.body === undefined || init.body === null || typeof init.body === 'string';
    if (
      !this.#dpopKey ||
      response.status !== 401 ||
      !nonce ||
      !replayable ||
      !NONCE_CHALLENGE.test(response.headers.get('www-authenticate') ?? '')
    )
      return response;
    await response.body?.cancel();
    return send(nonce);
  }

  /** What a log may show: everything but the token. */
  toJSON(): Record<string, unknown> {
    return {
      tokenType: this.tokenType,
      scope: this.scope,
      expiresAt: this.expiresAt,
      issuedTokenType: this.issuedTokenType,
    };
  }
}
