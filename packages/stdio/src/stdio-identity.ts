import { userInfo } from 'node:os';
import { AuthError, type AuthInfo, type Portcullis } from '@portcullis/core';

/** An explicit decision to trust the local user without a token, with a named set of scopes. */
export interface LocalTrust {
  /** The scopes granted; there is no "everything". */
  scopes: readonly string[];
  /** Who the caller is said to be. Default: the operating-system user. */
  subject?: string;
}

/** Thrown when the server cannot start: the reason is one line, fit for stderr. */
export class StdioStartupError extends Error {
  override readonly name = 'StdioStartupError';
}

/**
 * The identity a stdio server runs with: the token in `env[tokenVariable]` verified by the
 * server's verifier, or the explicit local trust, or none when authorization is off.
 */
export async function resolveStdioIdentity(
  portcullis: Portcullis,
  env: NodeJS.ProcessEnv,
  tokenVariable: string,
  localTrust: LocalTrust | undefined,
): Promise<AuthInfo | undefined> {
  const token = env[tokenVariable]?.trim();
  if (token) {
    if (!portcullis.requiresAuth) return undefined;
    try {
      return await portcullis.verifyToken(token, 'stdio');
    } catch (error) {
      const reason = error instanceof AuthError ? error.message : 'it could not be verified';
      throw new StdioStartupError(`${tokenVariable} was refused: ${reason}`);
    }
  }
  if (localTrust) {
    if (localTrust.scopes.length === 0)
      throw new StdioStartupError('local trust must name at least one scope');
    return {
      token: '',
      clientId: 'local',
      scopes: [...localTrust.scopes],
      expiresAt: Number.MAX_SAFE_INTEGER,
      issuer: 'local',
      subject: localTrust.subject ?? userInfo().username,
      claims: {},
    };
  }
  if (!portcullis.requiresAuth) return undefined;
  throw new StdioStartupError(
    `no access token: set ${tokenVariable}, or choose local trust with an explicit set of scopes`,
  );
}
