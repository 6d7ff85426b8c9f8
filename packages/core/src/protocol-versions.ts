import {
  DEFAULT_NEGOTIATED_PROTOCOL_VERSION,
  LATEST_PROTOCOL_VERSION,
  SUPPORTED_PROTOCOL_VERSIONS,
} from '@modelcontextprotocol/sdk/types.js';

/** Protocol revisions the server speaks, newest first. */
export const supportedProtocolVersions: readonly string[] = SUPPORTED_PROTOCOL_VERSIONS;

/** The newest protocol revision. */
export const latestProtocolVersion: string = LATEST_PROTOCOL_VERSION;

/** The revision assumed when an HTTP request carries no `MCP-Protocol-Version` header. */
export const defaultProtocolVersion: string = DEFAULT_NEGOTIATED_PROTOCOL_VERSION;

/** Whether a revision still allows JSON-RPC batches (removed in 2025-06-18). */
export function allowsBatches(version: string): boolean {
  return version < '2025-06-18';
}
