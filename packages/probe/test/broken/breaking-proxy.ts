import { createServer, type IncomingMessage, request } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request as the proxy holds it before forwarding. */
export interface HeldRequest {
  method: string;
  /** Path and query. */
  path: string;
  headers: Record<string, string>;
  body: Buffer;
  /** Whether it asks for a WebSocket upgrade. */
  upgrade: boolean;
}

/** An answer, from upstream or made up by a fault. */
export interface HeldAnswer {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

/**
 * One deliberate defect: rewrite the request (or answer it in place of upstream), and/or
 * rewrite upstream's answer.
 */
export interface Fault {
  request?(held: HeldRequest): HeldRequest | HeldAnswer;
  answer?(answer: HeldAnswer, held: HeldRequest): HeldAnswer;
}

/** A proxy in front of a correct server that breaks exactly what its current fault says. */
export interface BreakingProxy {
  origin: string;
  /** The defect in force; `undefined` passes everything through unchanged. */
  fault: Fault | undefined;
  /** Points the proxy at the server it stands in front of. */
  upstream: string;
  close(): Promise<void>;
}

const isAnswer = (value: HeldRequest | HeldAnswer): value is HeldAnswer => 'status' in value;

function hold(req: IncomingMessage, body: Buffer): HeldRequest {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers))
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  return {
    method: req.method ?? 'GET',
    path: req.url ?? '/',
    headers,
    body,
    upgrade: /upgrade/i.test(headers.connection ?? ''),
  };
}

/** Forwards `held` upstream; resolves its answer (a refused upgrade included) or a 101. */
function forward(upstream: string, held: HeldRequest): Promise<HeldAnswer> {
  const target = new URL(upstream);
  const headers = { ...held.headers };
  if (!held.upgrade) headers['content-length'] = String(held.body.length);
  return new Promise((resolve, reject) => {
    const out = request({
      host: target.hostname,
      port: target.port,
      method: held.method,
      path: held.path,
      headers,
    });
    out.on('response', async (res) => {
      const chunks: Buffer[] = [];
      for await (const chunk of res) chunks.push(chunk as Buffer);
      resolve({
        status: res.statusCode ?? 502,
        headers: hold(res as IncomingMessage, Buffer.alloc(0)).headers,
        body: Buffer.concat(chunks),
      });
    });
    out.on('upgrade', (res, socket) => {
      socket.destroy();
      resolve({ status: 101, headers: hold(res, Buffer.alloc(0)).headers, body: Buffer.alloc(0) });
    });
    out.on('error', reject);
    out.end(held.upgrade ? undefined : held.body);
  });
}

/** Serves one held request through the fault and upstream. */
async function serve(proxy: BreakingProxy, held: HeldRequest): Promise<HeldAnswer> {
  const rewritten = proxy.fault?.request?.(held) ?? held;
  if (isAnswer(rewritten)) return rewritten;
  const answer = await forward(proxy.upstream, rewritten);
  return proxy.fault?.answer?.(answer, rewritten) ?? answer;
}

/** Starts the proxy on a free loopback port (its upstream is set afterwards). */
export async function startBreakingProxy(): Promise<BreakingProxy> {
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const answer = await serve(proxy, hold(req, Buffer.concat(chunks))).catch(() => ({
      status: 502,
      headers: {},
      body: Buffer.from('bad gateway'),
    }));
    const headers = { ...answer.headers };
    delete headers['transfer-encoding'];
    delete headers.connection;
    delete headers['keep-alive'];
    headers['content-length'] = String(answer.body.length);
    res.writeHead(answer.status, headers);
    res.end(answer.body);
  });
  server.on('upgrade', async (req, socket) => {
    const answer = await serve(proxy, hold(req, Buffer.alloc(0))).catch(() => ({
      status: 502,
      headers: {},
      body: Buffer.alloc(0),
    }));
    const lines = [
      `HTTP/1.1 ${answer.status} ${answer.status === 101 ? 'Switching Protocols' : 'Refused'}`,
    ];
    for (const [name, value] of Object.entries(answer.headers))
      if (!['content-length', 'transfer-encoding'].includes(name)) lines.push(`${name}: ${value}`);
    if (answer.status !== 101)
      lines.push(`content-length: ${answer.body.length}`, 'connection: close');
    socket.end(Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`), answer.body]));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const proxy: BreakingProxy = {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    fault: undefined,
    upstream: '',
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return proxy;
}
