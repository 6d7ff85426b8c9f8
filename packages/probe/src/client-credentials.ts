import { clientSecretBasic } from '@portcullis/core';
import { type DpopKey, dpopProof } from './dpop-proof.js';
import type { ProbeContext } from './probe-context.js';

/** A confidential client the probe may get tokens for (client credentials grant). */
export interface ClientCredentials {
  clientId: string;
  clientSecret: string;
  /** The authorization server to ask; default the first in the resource's metadata. */
  issuer?: string;
}

/** One token request. */
export interface TokenWish {
  scope?: string;
  /** The RFC 8707 `resource`; default the MCP endpoint. */
  resource?: string;
  /** Ask for a token bound to this key (RFC 9449 §5). */
  dpop?: DpopKey;
}

/** The token endpoint and the client authentication the server takes. */
async function tokenEndpointOf(
  ctx: ProbeContext,
  credentials: ClientCredentials,
): Promise<{ url: string; basic: boolean } | undefined> {
  const servers = (await ctx.metadata()).found?.document?.authorization_servers;
  const issuer = credentials.issuer ?? (Array.isArray(servers) ? servers[0] : undefined);
  if (typeof issuer !== 'string') return undefined;
  const metadata = (await ctx.authorizationServer(issuer)).found?.document;
  const url = metadata?.token_endpoint;
  if (typeof url !== 'string') return undefined;
  const methods = metadata?.token_endpoint_auth_methods_supported;
  const basic = !Array.isArray(methods) || methods.includes('client_secret_basic');
  return { url, basic };
}

/**
 * Gets an access token by the client credentials grant (RFC 6749 §4.4) at the token endpoint
 * the resource's authorization server publishes — Casdoor's `/api/login/oauth/access_token`
 * included — with `resource` (RFC 8707) and, for a bound token, a DPoP proof (one retry with
 * the server's nonce). `undefined` when the server refuses.
 */
export async function requestToken(
  ctx: ProbeContext,
  credentials: ClientCredentials,
  wish: TokenWish,
): Promise<string | undefined> {
  const endpoint = await tokenEndpointOf(ctx, credentials);
  if (!endpoint) return undefined;
  const form = new URLSearchParams({
    grant_type: 'client_credentials',
    resource: wish.resource ?? ctx.endpoint.href,
  });
  if (wish.scope) form.set('scope', wish.scope);
  const headers: Record<string, string> = {
    'content-type': 'application/x-www-form-urlencoded',
    accept: 'application/json',
  };
  if (endpoint.basic)
    headers.authorization = clientSecretBasic(credentials.clientId, credentials.clientSecret);
  else {
    form.set('client_id', credentials.clientId);
    form.set('client_secret', credentials.clientSecret);
  }
  let nonce: string | undefined;
  for (let attempt = 0; attempt < 2; attempt++) {
    if (wish.dpop)
      headers.dpop = await dpopProof(wish.dpop, { method: 'POST', url: endpoint.url, nonce });
    const exchange = await ctx.http.send({
      method: 'POST',
      url: endpoint.url,
      headers,
      body: form.toString(),
      tokenRequest: true,
    });
    let answer: { access_token?: unknown; token_type?: unknown; error?: unknown } = {};
    try {
      answer = JSON.parse(exchange.body);
    } catch {
      return undefined;
    }
    if (exchange.status === 200 && typeof answer.access_token === 'string') {
      ctx.redactor.add(answer.access_token);
      if (wish.dpop && String(answer.token_type).toLowerCase() !== 'dpop') return undefined;
      return answer.access_token;
    }
    nonce = exchange.headers['dpop-nonce'];
    if (answer.error !== 'use_dpop_nonce' || !nonce) return undefined;
  }
  return undefined;
}
