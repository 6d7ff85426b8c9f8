import { createJwtVerifier } from './jwt-verifier.js';
import type { PortcullisOptions } from './portcullis.js';
import { canonicalResource } from './protected-resource-metadata.js';
import type { TokenVerifier } from './token-verifier.js';

/**
 * The options of {@link createPortcullis} with the one-issuer shorthand expanded: `issuer`
 * alone stands for a JWT verifier that trusts that issuer (its keys found by discovery) and
 * accepts the resource URL as audience, and for `authorizationServers: [issuer]`. Options that
 * give `verifier` pass through unchanged; giving neither, or both, is refused with a message
 * that says what to give.
 */
export function expandSingleIssuer(
  options: PortcullisOptions,
): PortcullisOptions & { verifier: TokenVerifier | false } {
  if (options.issuer === undefined) {
    if (options.verifier === undefined) {
      throw new TypeError(
        'createPortcullis needs `issuer` (the authorization server whose JWTs are accepted), or `verifier` (`false` turns authorization off)',
      );
    }
    return { ...options, verifier: options.verifier };
  }
  if (options.verifier !== undefined) {
    throw new TypeError(
      'createPortcullis takes `issuer` or `verifier`, not both: `issuer` is the short form of a JWT verifier for that issuer',
    );
  }
  const issuer = String(options.issuer);
  return {
    ...options,
    verifier: createJwtVerifier({
      issuers: [issuer],
      audience: canonicalResource(options.resource),
    }),
    authorizationServers: options.authorizationServers ?? [issuer],
  };
}
