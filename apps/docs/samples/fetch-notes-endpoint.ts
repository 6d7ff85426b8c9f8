import {
  createJwtVerifier,
  createPortcullis,
  createRegistry,
  defineTool,
  type Logger,
} from '@portcullis/core';
import { createFetchHandler, type FetchHandler } from '@portcullis/fetch';
import { z } from 'zod';

/** Where the endpoint is and whom it trusts: the same on every runtime. */
export interface NotesEndpointOptions {
  /** The public URL of the MCP endpoint (the token audience), e.g. `http://127.0.0.1:8787/mcp`. */
  resource: string;
  /** The authorization server's issuer. */
  issuer: string;
}

/** Log lines as one JSON object each on the console, which every runtime has. */
const consoleLogger: Logger = {
  debug: () => {},
  info: (fields, message) => console.log(JSON.stringify({ level: 'info', message, ...fields })),
  warn: (fields, message) => console.warn(JSON.stringify({ level: 'warn', message, ...fields })),
  error: (fields, message) => console.error(JSON.stringify({ level: 'error', message, ...fields })),
};

/**
 * A small notes server behind Portcullis as a fetch handler: `read_note` needs `notes:read`,
 * `write_note` also `notes:write`; tokens are verified against the issuer's keys, and a
 * DPoP-bound token must come with its proof.
 */
export function createNotesEndpoint(options: NotesEndpointOptions): FetchHandler {
  const notes = new Map<string, string>([['welcome', 'hello from Portcullis']]);
  const readNote = defineTool({
    name: 'read_note',
    description: 'Reads a note.',
    scopes: ['notes:read'],
    input: z.object({ id: z.string() }),
    handler: async ({ id }) => ({ content: [{ type: 'text', text: notes.get(id) ?? '' }] }),
  });
  const writeNote = defineTool({
    name: 'write_note',
    description: 'Writes a note.',
    scopes: ['notes:read', 'notes:write'],
    input: z.object({ id: z.string(), text: z.string() }),
    handler: async ({ id, text }) => {
      notes.set(id, text);
      return { content: [{ type: 'text', text: `saved ${id}` }] };
    },
  });
  const portcullis = createPortcullis({
    resource: options.resource,
    server: { name: 'notes', version: '1.0.0' },
    registry: createRegistry({ tools: [readNote, writeNote] }),
    verifier: createJwtVerifier({ issuers: [options.issuer], audience: options.resource }),
    authorizationServers: [options.issuer],
    dpop: { mode: 'optional' },
    logger: consoleLogger,
  });
  return createFetchHandler(portcullis);
}
