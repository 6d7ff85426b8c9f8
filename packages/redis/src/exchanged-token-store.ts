import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { ExchangedTokenRecord, ExchangedTokenStore } from '@portcullis/core';
import type { Redis } from 'ioredis';

/** Options for {@link createRedisExchangedTokenStore}. */
export interface RedisExchangedTokenStoreOptions {
  redis: Redis;
  /**
   * The AES-256-GCM key (32 bytes) that encrypts the tokens at rest, the same on every
   * instance: whoever can read Redis must not get usable downstream tokens.
   */
  encryptionKey: Uint8Array;
  /** Prefix of the entries' keys. Default `portcullis:exchanged`. */
  keyPrefix?: string;
}

/**
 * A store of exchanged tokens shared by every instance: pass it as
 * `tokenExchange: { cache: { store } }`. Keys are the exchanger's SHA-256 hashes (never a token
 * or an identity); each record is encrypted with `encryptionKey` (the key as additional data,
 * so a record moved to another key does not decrypt) and expires in Redis when it stops being
 * reusable. Redis away: the exchanger treats every lookup as a miss and exchanges again.
 */
export function createRedisExchangedTokenStore(
  options: RedisExchangedTokenStoreOptions,
): ExchangedTokenStore {
  if (options.encryptionKey.byteLength !== 32)
    throw new RangeError('encryptionKey must be 32 bytes (AES-256-GCM)');
  const key = Buffer.from(options.encryptionKey);
  const prefix = options.keyPrefix ?? 'portcullis:exchanged';
  return {
    async get(id) {
      const raw = await options.redis.getBuffer(`${prefix}:${id}`);
      if (raw === null || raw.length < 29) return undefined;
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
        decipher.setAAD(Buffer.from(id));
        decipher.setAuthTag(raw.subarray(12, 28));
        const plain = Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]);
        const record = JSON.parse(plain.toString('utf8')) as Partial<ExchangedTokenRecord>;
        if (typeof record.accessToken !== 'string' || typeof record.expiresAt !== 'number')
          return undefined;
        return record as ExchangedTokenRecord;
      } catch {
        return undefined; // another key, or tampered: a miss
      }
    },
    async set(id, record, expiresAtMs) {
      const ttlMs = Math.floor(expiresAtMs - Date.now());
      if (ttlMs <= 0) return;
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      cipher.setAAD(Buffer.from(id));
      const sealed = Buffer.concat([cipher.update(JSON.stringify(record), 'utf8'), cipher.final()]);
      await options.redis.set(
        `${prefix}:${id}`,
        Buffer.concat([iv, cipher.getAuthTag(), sealed]),
        'PX',
        ttlMs,
      );
    },
  };
}
