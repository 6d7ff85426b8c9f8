import { dpopProof } from '@portcullis/testing';
import type { Credential, Era } from './transport-driver.js';

/** A JSON-RPC request as sent on the wire. */
export interface RpcRequest {
  jsonrpc: '2.0';
  id: number | string;
  method: string;
  params?: Record<string, unknown>;
}

/** A JSON-RPC answer as read off the wire. */
export interface RpcAnswer {
  id?: number | string | null;
  result?: Record<string, unknown>;
  error?: { code: number; message: string; data?: unknown };
}

let nextId = 1;

/**
 * A request in `era`: a 2026-07-28 request carries its revision and capabilities in `_meta`
 * (no `initialize`); a 2025 request is plain (after `initialize` where the transport needs it).
 */
export function request(
  era: Era,
  method: string,
  params: Record<string, unknown> = {},
): RpcRequest {
  const id = nextId++;
  if (era === '2025-06-18') return { jsonrpc: '2.0', id, method, params };
  return {
    jsonrpc: '2.0',
    id,
    method,
    params: {
      ...params,
      _meta: {
        'io.modelcontextprotocol/protocolVersion': '2026-07-28',
        'io.modelcontextprotocol/clientCapabilities': {},
      },
    },
  };
}

/** The 2025 `initialize` request. */
export function initializeRequest(): RpcRequest {
  return {
    jsonrpc: '2.0',
    id: nextId++,
    method: 'initialize',
    params: {
      protocolVersion: '2025-06-18',
      capabilities: {},
      clientInfo: { name: 'contract', version: '1' },
    },
  };
}

/** The notification that completes a 2025 `initialize`. */
export const INITIALIZED = { jsonrpc: '2.0', method: 'notifications/initialized' } as const;

/** The `portcullis/authenticate` request that presents a fresh token on an open connection. */
export function authenticateRequest(token: string, dpop?: string): RpcRequest {
  return {
    jsonrpc: '2.0',
    id: nextId++,
    method: 'portcullis/authenticate',
    params: { token, ...(dpop !== undefined && { dpop }) },
  };
}

/**
 * The headers that present `credential` on a request of `method` to `url`: `Authorization`
 * (`Bearer`, or `DPoP` with a fresh `DPoP` proof of its key); none without a credential.
 */
export async function credentialHeaders(
  credential: Credential | undefined,
  method: string,
  url: string,
): Promise<Record<string, string>> {
  if (!credential) return {};
  if (!credential.dpop) return { authorization: `Bearer ${credential.token}` };
  return {
    authorization: `DPoP ${credential.token}`,
    dpop: await dpopProof(credential.dpop, { method, url, accessToken: credential.token }),
  };
}

/** A 2026-07-28 `subscriptions/listen` request for resource updates of `uris`. */
export function listenRequest(uris: readonly string[]): RpcRequest {
  return request('2026-07-28', 'subscriptions/listen', {
    notifications: { resourceSubscriptions: uris },
  });
}
