import { ProtocolErrorCode } from '@modelcontextprotocol/server';
import { JsonRpcError } from './json-rpc-error.js';

/**
 * The longest resource URI a request may name. Longer ones are refused with `-32602` before
 * any resource is looked up or any handler runs, so an attacker's megabyte of URI costs one
 * comparison instead of a template match, a file-system call and an error in the log.
 */
export const MAX_RESOURCE_URI_LENGTH = 8192;

/**
 * The canonical form of a resource URI, under which updates are announced and subscriptions
 * kept: the WHATWG URL serialisation (`file:///./a/../b.txt` → `file:///b.txt`, scheme in lower
 * case, characters outside URIs percent-encoded), or the URI as it is when it does not parse.
 */
export function canonicalResourceUri(uri: string): string {
  try {
    return new URL(uri).href;
  } catch {
    return uri;
  }
}

/** Refuses (`-32602`) a resource URI that is not a string or is longer than {@link MAX_RESOURCE_URI_LENGTH}. */
export function checkResourceUri(uri: unknown): asserts uri is string {
  if (typeof uri !== 'string')
    throw new JsonRpcError(ProtocolErrorCode.InvalidParams, 'the resource URI must be a string');
  if (uri.length > MAX_RESOURCE_URI_LENGTH)
    throw new JsonRpcError(
      ProtocolErrorCode.InvalidParams,
      `the resource URI is ${uri.length} characters long; at most ${MAX_RESOURCE_URI_LENGTH} are accepted`,
    );
}
