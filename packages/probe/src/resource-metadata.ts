import { protectedResourceMetadataUrl } from '@portcullis/core/adapter';
import type { Exchange, ProbeHttp } from './probe-http.js';

/** A fetched JSON document, if the answer held one. */
export interface FetchedDocument {
  url: string;
  exchange: Exchange;
  /** The JSON object of a 200 answer; `undefined` otherwise. */
  document?: Record<string, unknown>;
}

/** What the probe found of a resource's Protected Resource Metadata (RFC 9728). */
export interface ResourceMetadataLookup {
  /** The path-aware well-known URL (RFC 9728 §3.1) and its answer. */
  pathAware: FetchedDocument;
  /** The document used by the other checks: the path-aware one, else the root one (MCP clients fall back to it). */
  found?: FetchedDocument;
  /** Every request made. */
  exchanges: Exchange[];
}

/** GETs `url` and reads its JSON object when the answer is a 200 with one. */
export async function fetchJson(http: ProbeHttp, url: string): Promise<FetchedDocument> {
  const exchange = await http.send({ method: 'GET', url, headers: { accept: 'application/json' } });
  if (exchange.status !== 200) return { url, exchange };
  try {
    const parsed: unknown = JSON.parse(exchange.body);
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed))
      return { url, exchange, document: parsed as Record<string, unknown> };
  } catch {
    // not JSON
  }
  return { url, exchange };
}

/** Fetches the path-aware metadata of `endpoint`, falling back to the root one. */
export async function fetchResourceMetadata(
  http: ProbeHttp,
  endpoint: URL,
): Promise<ResourceMetadataLookup> {
  const pathAware = await fetchJson(http, protectedResourceMetadataUrl(endpoint).href);
  if (pathAware.document) return { pathAware, found: pathAware, exchanges: [pathAware.exchange] };
  const rootUrl = new URL('/.well-known/oauth-protected-resource', endpoint).href;
  if (rootUrl === pathAware.url) return { pathAware, exchanges: [pathAware.exchange] };
  const root = await fetchJson(http, rootUrl);
  return {
    pathAware,
    ...(root.document && { found: root }),
    exchanges: [pathAware.exchange, root.exchange],
  };
}

/**
 * The metadata URLs of an authorization server, in the order MCP clients try them (MCP
 * authorization 2025-11-25, "Authorization Server Metadata Discovery"): RFC 8414 with the
 * path inserted, OpenID Connect Discovery with the path inserted, then appended.
 */
export function authorizationServerMetadataUrls(issuer: string): string[] {
  const url = new URL(issuer);
  const path = url.pathname === '/' ? '' : url.pathname.replace(/\/$/, '');
  const urls = [
    `${url.origin}/.well-known/oauth-authorization-server${path}`,
    `${url.origin}/.well-known/openid-configuration${path}`,
  ];
  if (path) urls.push(`${url.origin}${path}/.well-known/openid-configuration`);
  return urls;
}

/** Discovers an authorization server's metadata (RFC 8414 / OpenID Connect Discovery 1.0). */
export async function discoverAuthorizationServer(
  http: ProbeHttp,
  issuer: string,
): Promise<{ found?: FetchedDocument; exchanges: Exchange[] }> {
  const exchanges: Exchange[] = [];
  for (const url of authorizationServerMetadataUrls(issuer)) {
    const fetched = await fetchJson(http, url);
    exchanges.push(fetched.exchange);
    if (fetched.document) return { found: fetched, exchanges };
  }
  return { exchanges };
}
