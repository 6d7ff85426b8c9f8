import type { IncomingMessage, ServerResponse } from 'node:http';
import type Provider from 'oidc-provider';

/**
 * Finishes an oidc-provider interaction without a person: logs in the subject named by the
 * authorization request's `login_hint` (or `defaultSubject`) and grants every scope and
 * resource asked for. This stands in for a login page, so the authorization code flow with
 * PKCE and resource indicators runs end to end in tests.
 */
export async function autoApproveInteraction(
  provider: Provider,
  req: IncomingMessage,
  res: ServerResponse,
  defaultSubject: string,
): Promise<void> {
  const details = await provider.interactionDetails(req, res);
  const { prompt, params, session } = details;
  if (prompt.name === 'login') {
    const accountId =
      typeof params.login_hint === 'string' && params.login_hint
        ? params.login_hint
        : defaultSubject;
    await provider.interactionFinished(
      req,
      res,
      { login: { accountId } },
      { mergeWithLastSubmission: false },
    );
    return;
  }
  const accountId = session?.accountId;
  const grant = details.grantId
    ? await provider.Grant.find(details.grantId)
    : new provider.Grant({ accountId, clientId: params.client_id as string });
  if (!grant) throw new Error('the interaction names a grant that does not exist');
  const missing = prompt.details as {
    missingOIDCScope?: string[];
    missingOIDCClaims?: string[];
    missingResourceScopes?: Record<string, string[]>;
  };
  if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
  if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
  for (const [resource, scopes] of Object.entries(missing.missingResourceScopes ?? {})) {
    grant.addResourceScope(resource, scopes.join(' '));
  }
  const grantId = await grant.save();
  await provider.interactionFinished(
    req,
    res,
    { consent: { grantId } },
    { mergeWithLastSubmission: true },
  );
}
