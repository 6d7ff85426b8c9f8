export { type RunStdioOptions, runStdioServer } from './run-stdio-server.js';
export { type StdioOptions, type StdioServer, serveStdio } from './serve-stdio.js';
export { type LocalTrust, resolveStdioIdentity, StdioStartupError } from './stdio-identity.js';
