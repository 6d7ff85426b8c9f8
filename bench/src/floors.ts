import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import { type BenchAuth, joseVerifier, SCOPE, TOOL, toolText } from './shared.js';

/**
 * The floors: the least a server can do for the same call. Read the body, verify the bearer
 * token with jose (once per token with `cache`, else on every call), check the scope, check
 * the method, tool and argument by hand, answer the JSON-RPC result. No MCP machinery.
 */
interface Call {
  jsonrpc?: unknown;
  id?: string | number;
  method?: unknown;
  params?: { name?: unknown; arguments?: { path?: unknown } };
}

function answer(call: Call, auth: BenchAuth): object {
  if (call.method === 'tools/call') {
    if (call.params?.name !== TOOL || typeof call.params.arguments?.path !== 'string')
      return { jsonrpc: '2.0', id: call.id, error: { code: -32602, message: 'invalid params' } };
    if (!auth.scopes.includes(SCOPE))
      return {
        jsonrpc: '2.0',
        id: call.id,
        error: { code: -32001, message: 'insufficient scope' },
      };
    return {
      jsonrpc: '2.0',
      id: call.id,
      result: {
        content: [{ type: 'text', text: toolText(auth.subject, call.params.arguments.path) }],
      },
    };
  }
  // Enough of `initialize` for the lock-step driver, which opens every connection with it.
  return {
    jsonrpc: '2.0',
    id: call.id,
    result: {
      protocolVersion: '2025-11-25',
      capabilities: { tools: {} },
      serverInfo: { name: 'floor', version: '1' },
    },
  };
}

const bearer = (req: IncomingMessage) => (req.headers.authorization ?? '').replace(/^Bearer /, '');

async function listening(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** The raw `node:http` + jose floor at `/mcp`. */
export async function startHttpFloor(options: {
  issuer: string;
  jwksUri: string;
  cache: boolean;
}): Promise<string> {
  let audience = '';
  const verifier = joseVerifier({ ...options, audience: () => audience });
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      verifier.verify(bearer(req)).then(
        (auth) => {
          let call: Call;
          try {
            call = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Call;
          } catch {
            res.writeHead(400).end();
            return;
          }
          const body = JSON.stringify(answer(call, auth));
          res
            .writeHead(200, {
              'content-type': 'application/json',
              'content-length': Buffer.byteLength(body),
            })
            .end(body);
        },
        () => res.writeHead(401, { 'www-authenticate': 'Bearer' }).end(),
      );
    });
  });
  audience = `http://${await listening(server)}/mcp`;
  return audience;
}

/** The bare `ws` floor: the token verified once at the upgrade, the scope on every message. */
export async function startWebSocketFloor(options: {
  issuer: string;
  jwksUri: string;
}): Promise<string> {
  let audience = '';
  const verifier = joseVerifier({ ...options, cache: true, audience: () => audience });
  const server = createServer((_req, res) => res.writeHead(426).end());
  const wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (req, socket, head) => {
    verifier.verify(bearer(req)).then(
      (auth) =>
        wss.handleUpgrade(req, socket, head, (ws) => {
          ws.on('message', (data) => {
            let call: Call;
            try {
              call = JSON.parse(data.toString()) as Call;
            } catch {
              return;
            }
            if (call.id === undefined) return;
            ws.send(JSON.stringify(answer(call, auth)));
          });
        }),
      () => socket.end('HTTP/1.1 401 Unauthorized\r\nconnection: close\r\n\r\n'),
    );
  });
  const host = await listening(server);
  audience = `http://${host}/mcp`;
  return `ws://${host}/mcp`;
}
