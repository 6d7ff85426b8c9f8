import {
  classifyInboundRequest,
  type InboundClassificationOutcome,
  type InboundHttpRequest,
  type JSONRPCRequest,
  PROTOCOL_VERSION_META_KEY,
} from '@modelcontextprotocol/server';
import { LruCache } from './lru-cache.js';
import { isModernProtocolVersion } from './protocol-versions.js';

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const REQUEST_KEYS = new Set(['jsonrpc', 'id', 'method', 'params']);

/**
 * A JSON-RPC request in the SDK's strict request shape, checked by structure alone: an object
 * of only `jsonrpc: '2.0'`, a string or safe-integer `id`, a string `method` and optional
 * object `params`. It is never a response (no `result`, no `error`). Stricter than the SDK where
 * the two could differ (an integer id beyond 2^53), so that a `true` here is a `true` there.
 */
export function isWellFormedRequest(body: unknown): body is {
  jsonrpc: '2.0';
  id: string | number;
  method: string;
  params?: Record<string, unknown>;
} {
  if (!isPlainObject(body) || body.jsonrpc !== '2.0' || typeof body.method !== 'string')
    return false;
  const { id, params } = body;
  if (typeof id !== 'string' && !Number.isSafeInteger(id)) return false;
  if (params !== undefined && !isPlainObject(params)) return false;
  for (const key in body) if (!REQUEST_KEYS.has(key)) return false;
  return true;
}

/** Envelopes longer than this (as JSON) are classified by the SDK every time, never kept. */
const MAX_REMEMBERED_ENVELOPE_LENGTH = 4096;
/** How many distinct accepted envelopes are kept (one per kind of client, in practice). */
const MAX_REMEMBERED_ENVELOPES = 256;
const FOREVER = Number.POSITIVE_INFINITY;

/**
 * The `_meta` envelopes (as their JSON text) of requests the SDK classified `modern`. Whether
 * an envelope is valid depends on its content only, not on who sent it or when, so one
 * process-wide bounded memo serves every server; a caller can fill it only with valid
 * envelopes, and evicting one costs a full classification, nothing else.
 */
const acceptedEnvelopes = new LruCache<true>(MAX_REMEMBERED_ENVELOPES);

/**
 * The envelope's JSON text and version, when `request` is a well-formed 2026-07-28 request
 * whose headers name the same version and method as its body: the requests whose SDK
 * classification depends on nothing but the envelope. `undefined` for anything else.
 */
function modernClaimOf(
  request: InboundHttpRequest,
): { text: string; version: string; message: JSONRPCRequest } | undefined {
  const { body } = request;
  if (request.httpMethod !== 'POST' || !isWellFormedRequest(body)) return undefined;
  const meta = body.params?._meta;
  if (!isPlainObject(meta)) return undefined;
  const version = meta[PROTOCOL_VERSION_META_KEY];
  if (typeof version !== 'string' || !isModernProtocolVersion(version)) return undefined;
  if (request.protocolVersionHeader !== undefined && request.protocolVersionHeader !== version)
    return undefined;
  if (request.mcpMethodHeader !== undefined && request.mcpMethodHeader !== body.method)
    return undefined;
  const text = JSON.stringify(meta);
  // Checked above, shape by shape, against the SDK's request schema: this is that request.
  const message = body as JSONRPCRequest;
  return text.length > MAX_REMEMBERED_ENVELOPE_LENGTH ? undefined : { text, version, message };
}

/**
 * The SDK's `classifyInboundRequest`, with the same outcome, without its cost on the common
 * 2026-07-28 request. The SDK checks every body against the response schemas first (two Zod
 * parses that fail and build their errors), then the request schema and the envelope: on the
 * benchmark's CPU profile that was 6% of a 2026-07-28 call (docs/benchmarks.md). A well-formed
 * request whose envelope the SDK already accepted once is classified `modern` by the structural
 * checks of {@link modernClaimOf} alone; anything else, however slightly different, goes to the
 * SDK, and an envelope is remembered only after the SDK accepted it.
 *
 * `body` must come from `JSON.parse` (plain data): the envelope is compared as JSON text.
 */
export function classifyInbound(request: InboundHttpRequest): InboundClassificationOutcome {
  const claim = modernClaimOf(request);
  if (claim !== undefined && acceptedEnvelopes.get(claim.text, 0) !== undefined)
    return {
      kind: 'modern',
      messageKind: 'request',
      message: claim.message,
      classification: { era: 'modern', revision: claim.version },
    };
  const outcome = classifyInboundRequest(request);
  if (claim !== undefined && outcome.kind === 'modern' && outcome.messageKind === 'request')
    acceptedEnvelopes.set(claim.text, true, FOREVER);
  return outcome;
}
