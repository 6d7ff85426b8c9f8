import { userInfo } from 'node:os';
import type { AuthError, AuthInfo, Portcullis } from '@portcullis/core';

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

const TRANSPORT = 'stdio';

/**
 * The identity a stdio server runs with, admitted by the core like every other entry: the token
 * in `env[tokenVariable]` (verified, counted against the rate limit; a token bound to a key, or
 * a resource that requires DPoP, refuses to start, as no proof can travel over stdio), or the
 * explicit local trust, or none when authorization is off. Throws a {@link StdioStartupError}
 * naming why.
 */
export async function resolveStdioIdentity(
  portcullis: Portcullis,
  env: NodeJS.ProcessEnv,
  tokenVariable: string,
  localTrust: LocalTrust | undefined,
): Promise<AuthInfo | undefined> {
  const token = env[tokenVariable]?.trim() || undefined;
  const admission = await portcullis.admit({
    kind: 'start',
    transport: TRANSPORT,
    token,
    ...(localTrust && {
      localUser: { scopes: localTrust.scopes, subject: localTrust.subject ?? userInfo().username },
    }),
  });
  if (admission.admitted) return admission.auth;
  throw new StdioStartupError(startupReason(admission.refusal, tokenVariable, token !== undefined));
}

/** The one stderr line of a refused start. */
function startupReason(refusal: AuthError, tokenVariable: string, tokenSet: boolean): string {
  if (refusal.code === 'missing_token')
    return `no access token: set ${tokenVariable}, or choose local trust with an explicit set of scopes`;
  return tokenSet && refusal.code !== 'invalid_request'
    ? `${tokenVariable} was refused: ${refusal.message}`
    : refusal.message;
}
