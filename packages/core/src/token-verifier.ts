import type { AuthInfo } from './auth-info.js';

/**
 * Turns a bearer token into an {@link AuthInfo}, or throws an `AuthError`. Implemented by the
 * JWT and introspection verifiers and by the caching wrapper around either.
 */
export interface TokenVerifier {
  verify(token: string): Promise<AuthInfo>;
}

/** Receives warnings that an operator must see (e.g. a publicly known signing key). */
export type WarningHandler = (message: string) => void;

/** Writes warnings to stderr, where they never mix with a stdio transport's protocol bytes. */
export const warnOnStderr: WarningHandler = (message) => {
  process.stderr.write(`[portcullis] WARNING: ${message}\n`);
};
