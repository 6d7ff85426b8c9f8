/**
 * Serve a Portcullis MCP server over stdio, with the access token from the environment verified at start and its scopes enforced on every call.
 *
 * @packageDocumentation
 * @module @portcullis/stdio
 */
export { type RunStdioOptions, runStdioServer } from './run-stdio-server.js';
export { type StdioOptions, type StdioServer, serveStdio } from './serve-stdio.js';
export { type LocalTrust, resolveStdioIdentity, StdioStartupError } from './stdio-identity.js';
