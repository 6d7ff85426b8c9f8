// oidc-provider's own grant helpers, which its types do not describe: the DPoP checks its
// built-in grants run, reused by the token exchange grant.
declare module 'oidc-provider/lib/helpers/grants.js' {
  import type Provider from 'oidc-provider';
  import type { KoaContextWithOIDC } from 'oidc-provider';

  /** The checked DPoP proof of the request, or `undefined` when it carries none. */
  export function validateDpop(
    provider: Provider,
    ctx: KoaContextWithOIDC,
  ): Promise<{ thumbprint: string; jti: string; iat: number } | undefined>;
  /** Refuses a DPoP proof already used by this client. */
  export function checkDpopReplay(
    provider: Provider,
    ctx: KoaContextWithOIDC,
    dPoP: { thumbprint: string; jti: string; iat: number },
    clientId: string,
  ): Promise<void>;
}
