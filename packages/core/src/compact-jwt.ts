import { invalidToken } from './auth-error.js';

/** The parts of a compact JWS read without any cryptography. */
export interface DecodedJwt {
  header: Readonly<Record<string, unknown>>;
  claims: Readonly<Record<string, unknown>>;
}

const BASE64URL = /^[A-Za-z0-9_-]+$/;

function decodeSegment(segment: string, what: string): Record<string, unknown> {
  if (!BASE64URL.test(segment)) throw invalidToken(`token ${what} is not base64url`);
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
  } catch {
    throw invalidToken(`token ${what} is not JSON`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw invalidToken(`token ${what} is not a JSON object`);
  }
  return value as Record<string, unknown>;
}

/**
 * Decodes a compact JWS without verifying it, refusing anything malformed or oversized before
 * any key is fetched or any signature computed. The result is untrusted until verified.
 */
export function decodeCompactJwt(token: string, maxLength: number): DecodedJwt {
  if (token.length > maxLength) {
    throw invalidToken(
      `token is ${token.length} characters long; at most ${maxLength} are accepted`,
    );
  }
  const parts = token.split('.');
  if (parts.length !== 3) {
    throw invalidToken(
      parts.length === 5
        ? 'encrypted tokens (JWE) are not accepted'
        : 'token is not a JWT (expected three dot-separated parts)',
    );
  }
  const [header, payload, signature] = parts as [string, string, string];
  if (signature.length === 0) throw invalidToken('token is unsigned');
  return { header: decodeSegment(header, 'header'), claims: decodeSegment(payload, 'payload') };
}
