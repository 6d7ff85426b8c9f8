import { Redis, type RedisOptions } from 'ioredis';

/**
 * Options that make a client fail fast while Redis is away instead of queueing commands:
 * every shared decision then fails closed at once, and the client keeps reconnecting in the
 * background (every 100 ms to 1 s) so the instance recovers by itself when Redis returns.
 * A Redis that is there but does not answer (stalled, stopped, swapping) is no better: each
 * command gives up after 2 s (`commandTimeout`), so requests get a 503 within seconds instead
 * of hanging, and the answers Redis gives once it resumes are matched to their commands still.
 */
export const FAIL_FAST_OPTIONS: RedisOptions = {
  enableOfflineQueue: false,
  maxRetriesPerRequest: 0,
  connectTimeout: 2_000,
  commandTimeout: 2_000,
  retryStrategy: (attempt) => Math.min(100 * attempt, 1_000),
};

/**
 * Connects to Redis (`redis://host:port/db`) with {@link FAIL_FAST_OPTIONS} and resolves once
 * the connection is ready; rejects (and disconnects) when it is not within `timeoutMs`.
 */
export async function connectRedis(
  url: string,
  options: RedisOptions & { timeoutMs?: number } = {},
): Promise<Redis> {
  const { timeoutMs = 5_000, ...redisOptions } = options;
  const redis = new Redis(url, { ...FAIL_FAST_OPTIONS, ...redisOptions, lazyConnect: true });
  // Errors while Redis is away are expected; each command that needs it fails on its own.
  redis.on('error', () => {});
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      redis.connect(),
      new Promise((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`Redis at ${redactUrl(url)} did not answer in ${timeoutMs} ms`)),
          timeoutMs,
        );
      }),
    ]);
  } catch (error) {
    redis.disconnect();
    throw error;
  } finally {
    clearTimeout(timer);
  }
  return redis;
}

/** `url` without its password, for messages. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.href;
  } catch {
    return '(an unparsable URL)';
  }
}
