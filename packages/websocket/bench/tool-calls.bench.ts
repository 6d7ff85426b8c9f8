import { createJwtVerifier, createPortcullis, createRegistry, defineTool } from '@portcullis/core';
import { startAuthorizationServer } from '@portcullis/testing';
import { afterAll, bench, describe } from 'vitest';
import { WebSocket } from 'ws';
import { z } from 'zod';
import { startWebSocketServer } from '../src/index.js';

/**
 * Tool calls per second over one authenticated WebSocket connection, with WINDOW calls in
 * flight at a time: scopes are decided per message, the token was verified once at the upgrade.
 */
const CALLS = 20_000;
const WINDOW = 64;

const as = await startAuthorizationServer();
const server = await startWebSocketServer({
  portcullis: ({ origin }) =>
    createPortcullis({
      resource: `${origin}/mcp`,
      server: { name: 'bench', version: '1' },
      registry: createRegistry({
        tools: [
          defineTool({
            name: 'read_file',
            description: 'r',
            scopes: ['files:read'],
            input: z.object({ path: z.string() }),
            handler: ({ path }) => ({ content: [{ type: 'text', text: path }] }),
          }),
        ],
      }),
      verifier: createJwtVerifier({ issuers: [as.issuer], audience: `${origin}/mcp` }),
      authorizationServers: [as.issuer],
      logger: { debug() {}, info() {}, warn() {}, error() {} },
    }),
});
const socket = new WebSocket(server.url, ['mcp'], {
  headers: {
    authorization: `Bearer ${await as.mintToken({ audience: server.portcullis.resource, scopes: ['files:read'] })}`,
  },
});
await new Promise((resolve) => socket.once('open', resolve));
afterAll(async () => {
  socket.close();
  await server.close({ deadlineMs: 500 });
  await as.close();
});

async function run(calls: number): Promise<number> {
  let sent = 0;
  let answered = 0;
  const started = performance.now();
  await new Promise<void>((resolve) => {
    const send = () =>
      socket.send(
        `{"jsonrpc":"2.0","id":${sent++},"method":"tools/call","params":{"name":"read_file","arguments":{"path":"a.txt"}}}`,
      );
    const onMessage = () => {
      answered += 1;
      if (answered === calls) {
        socket.off('message', onMessage);
        resolve();
      } else if (sent < calls) send();
    };
    socket.on('message', onMessage);
    for (let i = 0; i < Math.min(WINDOW, calls); i += 1) send();
  });
  return calls / ((performance.now() - started) / 1000);
}

await run(2_000);
console.log(
  `WebSocket tools/call on Node ${process.version}: one connection, ${WINDOW} in flight: ${Math.round(await run(CALLS)).toLocaleString('en-US')} calls/s`,
);

describe('WebSocket tools/call throughput', () => {
  bench(`${CALLS} calls over one connection`, () => run(CALLS).then(() => undefined), {
    iterations: 3,
    warmupIterations: 0,
    time: 0,
  });
});
