import { randomBytes } from 'node:crypto';
import { type CryptoKey, type KeyObject, SignJWT } from 'jose';
import { clientSecretBasic } from '../client-secret-basic.js';

/**
 * How the MCP server authenticates as a client at the token endpoint:
 *
 * - `client_secret_basic` (default): HTTP Basic with the client id and secret;
 * - `client_secret_post`: both in the form body (Casdoor's way);
 * - `private_key_jwt` (RFC 7523): a short-lived assertion signed with the client's private key.
 */
export type ClientAuthentication =
  | { method?: 'client_secret_basic' | 'client_secret_post'; clientSecret: string }
  | { method: 'private_key_jwt'; privateKey: CryptoKey | KeyObject; alg: string; kid?: string };

/** Adds the client's credentials to a token request's form and headers. */
export async function authenticateClient(
  clientId: string,
  authentication: ClientAuthentication,
  tokenEndpoint: string,
  form: URLSearchParams,
  headers: Record<string, string>,
): Promise<void> {
  if (authentication.method === 'private_key_jwt') {
    const now = Math.floor(Date.now() / 1000);
    const assertion = await new SignJWT({})
      .setProtectedHeader({
        alg: authentication.alg,
        ...(authentication.kid && { kid: authentication.kid }),
      })
      .setIssuer(clientId)
      .setSubject(clientId)
      .setAudience(tokenEndpoint)
      .setJti(randomBytes(16).toString('base64url'))
      .setIssuedAt(now)
      .setExpirationTime(now + 60)
      .sign(authentication.privateKey);
    form.set('client_id', clientId);
    form.set('client_assertion_type', 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer');
    form.set('client_assertion', assertion);
  } else if (authentication.method === 'client_secret_post') {
    form.set('client_id', clientId);
    form.set('client_secret', authentication.clientSecret);
  } else {
    headers.authorization = clientSecretBasic(clientId, authentication.clientSecret);
  }
}
