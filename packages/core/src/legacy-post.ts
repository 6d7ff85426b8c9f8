import type { PostRefusal } from './http-route.js';
import {
  type ClassifiedMessage,
  classifyMessage,
  JsonRpcErrorCode,
  type RequestId,
} from './json-rpc.js';
import {
  allowsBatches,
  legacyProtocolVersions,
  supportedProtocolVersions,
} from './protocol-versions.js';

/** A message a 2025-era POST may carry. */
export type PostedLegacyMessage = Exclude<ClassifiedMessage, { kind: 'invalid' }>;
/** A request among them. */
export type PostedLegacyRequest = Extract<ClassifiedMessage, { kind: 'request' }>;

/** A 2025-era POST body, checked. */
export interface LegacyPost {
  kind: 'legacy';
  messages: PostedLegacyMessage[];
  /** The requests among `messages`, which each get a response. */
  requests: PostedLegacyRequest[];
  isBatch: boolean;
  /** The `initialize` request, when this POST opens a session (always alone). */
  initialize: PostedLegacyRequest | undefined;
  /** The id refusals of the whole POST carry: the first request's. */
  firstId: RequestId | null;
  /** The `MCP-Protocol-Version` header, when sent. */
  headerVersion: string | undefined;
}

const refuse = (id: RequestId | null, message: string): PostRefusal => ({
  kind: 'reject',
  status: 400,
  id,
  code: JsonRpcErrorCode.InvalidRequest,
  message,
});

/**
 * Checks a 2025-era POST body: one message or a non-empty batch of well-formed JSON-RPC
 * messages, `initialize` alone, and an `MCP-Protocol-Version` header (after `initialize`)
 * naming a 2025-era revision this server speaks.
 */
export function readLegacyPost(
  body: unknown,
  headerVersion: string | undefined,
): LegacyPost | PostRefusal {
  const isBatch = Array.isArray(body);
  const values = isBatch ? (body as unknown[]) : [body];
  if (values.length === 0) return refuse(null, 'an empty batch is not a request');
  const messages: PostedLegacyMessage[] = [];
  for (const value of values) {
    const message = classifyMessage(value);
    if (message.kind === 'invalid') return refuse(message.id, message.reason);
    messages.push(message);
  }
  const requests = messages.filter(
    (message): message is PostedLegacyRequest => message.kind === 'request',
  );
  const firstId = requests[0]?.message.id ?? null;
  const initialize = requests.find((message) => message.message.method === 'initialize');
  if (initialize && messages.length > 1)
    return refuse(initialize.message.id, 'initialize must be sent alone, not in a batch');
  if (!initialize && headerVersion !== undefined && !legacyProtocolVersions.includes(headerVersion))
    return refuse(
      firstId,
      `Bad Request: unsupported protocol version ${headerVersion} (supported: ${supportedProtocolVersions.join(', ')})`,
    );
  return { kind: 'legacy', messages, requests, isBatch, initialize, firstId, headerVersion };
}

/**
 * The refusal of a batch in a revision that no longer allows them (2025-06-18 and later);
 * `version` is the header's, else the session's, else the default revision.
 */
export function batchRefusal(post: LegacyPost, version: string): PostRefusal | undefined {
  if (!post.isBatch || allowsBatches(version)) return undefined;
  return refuse(post.firstId, `JSON-RPC batches are not allowed in protocol version ${version}`);
}
