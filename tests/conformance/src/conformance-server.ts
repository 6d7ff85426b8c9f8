import { createPortcullis } from '@portcullis/core';
import { type RunningHttpServer, startHttpServer } from '@portcullis/streamable-http';
import { conformanceRegistry } from './fixtures.js';

/**
 * The server the conformance suite runs against: Streamable HTTP in stateful mode (sampling,
 * elicitation and SSE resumption need a session), on localhost, authorization off.
 */
export function startConformanceServer(port = 0): Promise<RunningHttpServer> {
  return startHttpServer({
    host: '127.0.0.1',
    port,
    sessions: {},
    portcullis: ({ port: bound }) =>
      createPortcullis({
        resource: `http://localhost:${bound}/mcp`,
        server: { name: 'portcullis-conformance', version: '0.0.0' },
        registry: conformanceRegistry(),
        verifier: false,
        logger: { debug() {}, info() {}, warn() {}, error() {} },
      }),
  });
}
