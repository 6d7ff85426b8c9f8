import {
  type AuditEvent,
  createJwtVerifier,
  createPortcullis,
  createRegistry,
  defineTool,
  type RateLimiter,
  type ToolDefinition,
} from '@portcullis/core';
import type { AuthorizationServer } from '@portcullis/testing';
import { z } from 'zod';
import { type HttpServerOptions, startHttpServer } from '../src/index.js';

/**
 * The tools every transport test serves: one per scope, a slow one and a chatty one, and the
 * `extra` ones a test adds.
 */
export function testRegistry(instance = 'a', extra: readonly ToolDefinition[] = []) {
  return createRegistry({
    tools: [
      ...extra,
      defineTool({
        name: 'read_file',
        description: 'Read.',
        scopes: ['files:read'],
        input: z.object({ path: z.string() }),
        handler: ({ path }, { auth }) => ({
          content: [{ type: 'text', text: `${instance}:${auth?.subject}:read:${path}` }],
        }),
      }),
      defineTool({
        name: 'write_file',
        description: 'Write.',
        scopes: ['files:write'],
        input: z.object({ path: z.string() }),
        handler: ({ path }) => ({ content: [{ type: 'text', text: `${instance}:wrote:${path}` }] }),
      }),
      defineTool({
        name: 'whoami',
        description: 'Who calls, with which scopes.',
        scopes: [],
        handler: (_args, { auth }) => ({
          content: [
            { type: 'text', text: `${instance}:${auth?.subject}:${auth?.scopes.join(' ')}` },
          ],
        }),
      }),
      defineTool({
        name: 'slow',
        description: 'Takes its time, reporting progress.',
        scopes: [],
        input: z.object({ ms: z.number().int().min(0).max(5000) }),
        handler: async ({ ms }, { reportProgress }) => {
          await reportProgress(1, 2, 'started');
          await new Promise((resolve) => setTimeout(resolve, ms));
          await reportProgress(2, 2, 'finished');
          return { content: [{ type: 'text', text: `slept ${ms}` }] };
        },
      }),
    ],
  });
}

/** Starts a protected HTTP server trusting `as`, the resource URL naming the port bound. */
export function startProtectedServer(
  as: AuthorizationServer,
  options: Partial<HttpServerOptions> & {
    audit?: AuditEvent[];
    rateLimiter?: RateLimiter;
    instance?: string;
    resource?: string;
    clockToleranceSeconds?: number;
    /** Further accepted audiences, e.g. Casdoor client ids. */
    audiences?: string[];
    /** Tools served besides the usual ones. */
    tools?: readonly ToolDefinition[];
  } = {},
) {
  const {
    audit,
    rateLimiter,
    instance,
    resource: fixedResource,
    clockToleranceSeconds,
    audiences = [],
    tools,
    ...httpOptions
  } = options;
  return startHttpServer({
    ...httpOptions,
    portcullis: ({ origin }) => {
      const resource = fixedResource ?? `${origin}/mcp`;
      return createPortcullis({
        resource,
        server: { name: 'test-files', version: '1.0.0' },
        registry: testRegistry(instance, tools),
        verifier: createJwtVerifier({
          issuers: [as.issuer],
          audience: [resource, ...audiences],
          clockToleranceSeconds,
        }),
        authorizationServers: [as.issuer],
        audit: audit && ((event) => audit.push(event)),
        rateLimiter,
        logger: { debug() {}, info() {}, warn() {}, error() {} },
      });
    },
  });
}

/** A raw JSON-RPC POST, as a plain HTTP client would send it. */
export async function post(url: string, body: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      ...headers,
    },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  const isJson = response.headers.get('content-type')?.startsWith('application/json');
  return {
    status: response.status,
    headers: response.headers,
    text,
    json: isJson && text ? JSON.parse(text) : undefined,
  };
}

/** An `initialize` request. */
export const initialize = (id: number | string = 1, protocolVersion = '2025-11-25') => ({
  jsonrpc: '2.0',
  id,
  method: 'initialize',
  params: {
    protocolVersion,
    capabilities: {},
    clientInfo: { name: 'raw-client', version: '1.0.0' },
  },
});
