import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** Options for {@link createDpopNonces}. */
export interface DpopNonceOptions {
  /**
   * The key nonces are made with (HMAC-SHA256, at least 32 bytes). Default: random per process.
   * Give every instance behind a load balancer the same key, or a nonce from one instance is
   * refused by the others.
   */
  secret?: Uint8Array | string;
  /** How often the current nonce changes, in seconds; the previous one stays valid too. Default 300. */
  rotateSeconds?: number;
  /** Clock in milliseconds; injectable for tests. */
  now?: () => number;
}

/** Server-provided DPoP nonces (RFC 9449 §8–9): stateless, so any instance can check them. */
export interface DpopNonces {
  /** The nonce a client should put in its next proof; sent in the `DPoP-Nonce` header. */
  current(): string;
  /** Whether `nonce` is the current or the previous nonce. */
  check(nonce: unknown): boolean;
}

/**
 * Creates nonces that carry their own time slot and an HMAC of it: no state to share between
 * instances, only the key. A nonce is valid during its slot and the next one, so a client has
 * at least `rotateSeconds` to use it.
 */
export function createDpopNonces(options: DpopNonceOptions = {}): DpopNonces {
  const secret =
    options.secret === undefined
      ? randomBytes(32)
      : typeof options.secret === 'string'
        ? Buffer.from(options.secret)
        : Buffer.from(options.secret);
  if (secret.length < 32) throw new TypeError('the DPoP nonce secret must be at least 32 bytes');
  const slotMs = (options.rotateSeconds ?? 300) * 1000;
  if (!(slotMs >= 1000)) throw new RangeError('rotateSeconds must be at least 1');
  const now = options.now ?? Date.now;

  const make = (slot: number) => {
    const label = slot.toString(36);
    const mac = createHmac('sha256', secret).update(`dpop-nonce:${label}`).digest('base64url');
    return `${label}.${mac.slice(0, 32)}`;
  };
  const slotAt = () => Math.floor(now() / slotMs);

  return {
    current: () => make(slotAt()),
    check(nonce) {
      if (typeof nonce !== 'string' || nonce.length > 64) return false;
      const label = nonce.slice(0, nonce.indexOf('.'));
      const slot = Number.parseInt(label, 36);
      const present = slotAt();
      if (!Number.isSafeInteger(slot) || (slot !== present && slot !== present - 1)) return false;
      const expected = Buffer.from(make(slot));
      const given = Buffer.from(nonce);
      return expected.length === given.length && timingSafeEqual(expected, given);
    },
  };
}
