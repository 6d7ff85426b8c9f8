import { createHash } from 'node:crypto';

/** A cache key for a token that does not keep the token itself as the key. */
export function tokenHash(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}
