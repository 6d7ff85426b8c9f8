/**
 * The `Authorization` header of a confidential client using `client_secret_basic`
 * (RFC 6749 §2.3.1): id and secret form-URL-encoded, then joined and base64-encoded.
 */
export function clientSecretBasic(clientId: string, clientSecret: string): string {
  const encode = (value: string) => encodeURIComponent(value).replace(/%20/g, '+');
  return `Basic ${Buffer.from(`${encode(clientId)}:${encode(clientSecret)}`).toString('base64')}`;
}
