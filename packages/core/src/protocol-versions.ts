import {
  DEFAULT_NEGOTIATED_PROTOCOL_VERSION,
  SUPPORTED_PROTOCOL_VERSIONS,
  UnsupportedProtocolVersionError,
} from '@modelcontextprotocol/server';

/**
 * The stateless revisions: each request carries its version and client capabilities in
 * `_meta`, there is no `initialize` and no session. Newest first.
 */
export const modernProtocolVersions: readonly string[] = ['2026-07-28'];

/** The revisions negotiated with `initialize` (2024-11-05 to 2025-11-25), newest first. */
export const legacyProtocolVersions: readonly string[] = SUPPORTED_PROTOCOL_VERSIONS.filter(
  (version) => version >= '2024-11-05',
);

/** Protocol revisions the server speaks, newest first. */
export const supportedProtocolVersions: readonly string[] = [
  ...modernProtocolVersions,
  ...legacyProtocolVersions,
];

/** The newest protocol revision. */
export const latestProtocolVersion: string = modernProtocolVersions[0] as string;

/** The revision assumed when a 2025-era HTTP request carries no `MCP-Protocol-Version` header. */
export const defaultProtocolVersion: string = DEFAULT_NEGOTIATED_PROTOCOL_VERSION;

/** The two generations of the protocol: `initialize`-negotiated, or stateless with a per-request envelope. */
export type ProtocolEra = 'legacy' | 'modern';

/** Whether `version` is a stateless (2026-07-28 or later) revision this server serves. */
export function isModernProtocolVersion(version: string | undefined): boolean {
  return version !== undefined && modernProtocolVersions.includes(version);
}

/** Whether a revision still allows JSON-RPC batches (removed in 2025-06-18). */
export function allowsBatches(version: string): boolean {
  return version < '2025-06-18';
}

/**
 * Whether a revision's clients expect a resumable stream to start with a priming event
 * (an event id, empty data and `retry`: SEP-1699, from 2025-11-25).
 */
export function primesStreams(version: string): boolean {
  return version >= '2025-11-25';
}

/**
 * The `-32022` refusal of a 2026-07-28 `_meta` envelope that names `requested`, with
 * `data: { supported, requested }`; `undefined` when this server serves that revision.
 */
export function unsupportedRevision(
  requested: string | undefined,
): { code: number; message: string; data: unknown } | undefined {
  if (requested !== undefined && modernProtocolVersions.includes(requested)) return undefined;
  const error = new UnsupportedProtocolVersionError({
    supported: [...modernProtocolVersions],
    requested: requested ?? 'unknown',
  });
  return { code: error.code, message: error.message, data: error.data };
}
