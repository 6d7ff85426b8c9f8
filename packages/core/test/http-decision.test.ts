import { type AuthorizationServer, startAuthorizationServer } from '@portcullis/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createHttpDecision,
  type HeadDecision,
  type HttpDecision,
  type HttpRequestHead,
  type PostHead,
  SMALL_BODY_BYTES,
} from '../src/adapter.js';
import { type AuthInfo, createJwtVerifier, createPortcullis } from '../src/index.js';
import { readWriteRegistry } from './helpers.js';

/*
 * The decision step needs no socket: each case builds a request head (and body) in memory and
 * reads the answer or the plan. Tokens come from the development authorization server and
 * are verified for real.
 */

const RESOURCE = 'https://mcp.example.test/mcp';
const MODERN = '2026-07-28';
const envelope = {
  'io.modelcontextprotocol/protocolVersion': MODERN,
  'io.modelcontextprotocol/clientInfo': { name: 'raw', version: '1' },
  'io.modelcontextprotocol/clientCapabilities': {},
};

function head(
  method: string,
  headers: Record<string, string>,
  pathname = '/mcp',
  search = '',
): HttpRequestHead {
  const lower = Object.fromEntries(
    Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]),
  );
  return { method, pathname, search, header: (name) => lower[name] };
}

const postHeaders = (token: string, extra: Record<string, string> = {}) => ({
  host: 'mcp.example.test',
  accept: 'application/json, text/event-stream',
  'content-type': 'application/json',
  authorization: `Bearer ${token}`,
  ...extra,
});

function answerOf(decision: HeadDecision | { kind: string }) {
  if (decision.kind !== 'answer') throw new Error(`expected an answer, got ${decision.kind}`);
  return (decision as Extract<HeadDecision, { kind: 'answer' }>).answer;
}

async function postOf(decision: Promise<HeadDecision>): Promise<PostHead> {
  const decided = await decision;
  if (decided.kind !== 'post') throw new Error(`expected a post plan, got ${decided.kind}`);
  return decided.post;
}

const text = (body: unknown) => {
  const json = JSON.stringify(body);
  return { text: json, bytes: Buffer.byteLength(json) };
};

describe('the HTTP decision step', () => {
  let as: AuthorizationServer;
  let portcullis: ReturnType<typeof createPortcullis>;
  let stateless: HttpDecision;
  let stateful: HttpDecision;
  let reader: string;

  beforeAll(async () => {
    as = await startAuthorizationServer();
    portcullis = createPortcullis({
      resource: RESOURCE,
      server: { name: 'files', version: '1.0.0' },
      registry: readWriteRegistry(),
      verifier: createJwtVerifier({ issuers: [as.issuer], audience: RESOURCE }),
      authorizationServers: [as.issuer],
    });
    stateless = createHttpDecision(portcullis, {
      allowedHosts: ['mcp.example.test'],
      maxBodyBytes: 256 * 1024,
    });
    stateful = createHttpDecision(portcullis, { sessions: true });
    reader = await as.mintToken({ audience: RESOURCE, subject: 'ann', scopes: ['files:read'] });
  });
  afterAll(() => as.close());

  it('passes other paths and serves the metadata document', async () => {
    expect(await stateless.decideHead(head('GET', {}, '/other'))).toEqual({ kind: 'pass' });
    const metadata = answerOf(
      await stateless.decideHead(head('GET', {}, '/.well-known/oauth-protected-resource/mcp')),
    );
    expect(metadata.status).toBe(200);
    expect(metadata.body).toMatchObject({ resource: RESOURCE, authorization_servers: [as.issuer] });
    const put = answerOf(
      await stateless.decideHead(head('PUT', {}, '/.well-known/oauth-protected-resource/mcp')),
    );
    expect([put.status, put.headers.allow]).toEqual([405, 'GET, HEAD, OPTIONS']);
  });

  it('refuses before admission: a foreign Host, a token in the URL, wrong media types', async () => {
    const host = answerOf(
      await stateless.decideHead(head('POST', postHeaders(reader, { host: 'evil.test' }))),
    );
    expect(host.status).toBe(403);
    const query = answerOf(
      await stateless.decideHead(head('POST', postHeaders(reader), '/mcp', '?access_token=x')),
    );
    expect([query.status, query.headers['www-authenticate']]).toEqual([
      400,
      expect.stringContaining('invalid_request'),
    ]);
    const accept = answerOf(
      await stateless.decideHead(head('POST', postHeaders(reader, { accept: 'application/json' }))),
    );
    expect(accept.status).toBe(406);
    const type = answerOf(
      await stateless.decideHead(
        head('POST', postHeaders(reader, { 'content-type': 'text/plain' })),
      ),
    );
    expect(type.status).toBe(415);
  });

  it('answers a missing token with the 401 challenge naming the resource metadata', async () => {
    const headers = postHeaders('');
    delete (headers as Partial<typeof headers>).authorization;
    const answer = answerOf(await stateless.decideHead(head('POST', headers)));
    expect(answer.status).toBe(401);
    expect(answer.headers['www-authenticate']).toContain(
      'resource_metadata="https://mcp.example.test/.well-known/oauth-protected-resource/mcp"',
    );
  });

  it('admits a caller and sizes the body by the method its headers name', async () => {
    const list = await postOf(
      stateless.decideHead(head('POST', postHeaders(reader, { 'mcp-method': 'tools/list' }))),
    );
    expect((list.auth as AuthInfo).subject).toBe('ann');
    expect(list.maxBytes).toBe(SMALL_BODY_BYTES);
    const call = await postOf(
      stateless.decideHead(
        head(
          'POST',
          postHeaders(reader, {
            'mcp-protocol-version': MODERN,
            'mcp-method': 'tools/call',
            'mcp-name': 'read_file',
          }),
        ),
      ),
    );
    expect(call.maxBytes).toBe(256 * 1024);
    const legacy = await postOf(stateless.decideHead(head('POST', postHeaders(reader))));
    expect(legacy.maxBytes).toBe(256 * 1024);
  });

  it('refuses a 2026-07-28 call its headers show the token may not make, before the body', async () => {
    const answer = answerOf(
      await stateless.decideHead(
        head(
          'POST',
          postHeaders(reader, {
            'mcp-protocol-version': MODERN,
            'mcp-method': 'tools/call',
            'mcp-name': 'write_file',
          }),
        ),
      ),
    );
    expect(answer.status).toBe(403);
    expect(answer.headers['www-authenticate']).toContain('insufficient_scope');
  });

  it('checks the body against the limit of the methods it carries', async () => {
    const post = await postOf(stateless.decideHead(head('POST', postHeaders(reader))));
    const padded = {
      jsonrpc: '2.0',
      id: 1,
      method: 'tools/list',
      params: { pad: 'x'.repeat(SMALL_BODY_BYTES) },
    };
    const tooLarge = answerOf(stateless.decideBody(post, text(padded)));
    expect([tooLarge.status, tooLarge.headers.connection]).toEqual([413, 'close']);
    const call = {
      jsonrpc: '2.0',
      id: 2,
      method: 'tools/call',
      params: { name: 'read_file', arguments: { path: 'x'.repeat(SMALL_BODY_BYTES) } },
    };
    expect(stateless.decideBody(post, text(call)).kind).toBe('stateless');
    const malformed = answerOf(stateless.decideBody(post, { text: '{"jsonrpc"', bytes: 10 }));
    expect([malformed.status, (malformed.body as { error: { code: number } }).error.code]).toEqual([
      400, -32700,
    ]);
  });

  it('plans a stateless 2025 POST: the exchange, 202 for notifications, no late batches', async () => {
    const post = await postOf(stateless.decideHead(head('POST', postHeaders(reader))));
    const request = stateless.decideBody(post, {
      parsed: { jsonrpc: '2.0', id: 1, method: 'tools/list' },
    });
    expect(request).toMatchObject({ kind: 'stateless', respond: 'exchange' });
    const notification = stateless.decideBody(post, {
      parsed: { jsonrpc: '2.0', method: 'notifications/initialized' },
    });
    expect(notification).toMatchObject({ kind: 'stateless', respond: 'accepted' });
    const batch = [
      { jsonrpc: '2.0', id: 1, method: 'tools/list' },
      { jsonrpc: '2.0', id: 2, method: 'tools/list' },
    ];
    expect(stateless.decideBody(post, { parsed: batch })).toMatchObject({
      kind: 'stateless',
      respond: 'json',
    });
    const late = await postOf(
      stateless.decideHead(
        head('POST', postHeaders(reader, { 'mcp-protocol-version': '2025-06-18' })),
      ),
    );
    expect(answerOf(stateless.decideBody(late, { parsed: batch })).status).toBe(400);
  });

  it('refuses a 2025 call outside the token scopes with the 403 step-up challenge', async () => {
    const post = await postOf(stateless.decideHead(head('POST', postHeaders(reader))));
    const answer = answerOf(
      stateless.decideBody(post, {
        parsed: { jsonrpc: '2.0', id: 9, method: 'tools/call', params: { name: 'write_file' } },
      }),
    );
    expect([answer.status, (answer.body as { id: number }).id]).toEqual([403, 9]);
  });

  it('plans a 2026-07-28 POST on the modern channel after checking it against its headers', async () => {
    const headers = postHeaders(reader, {
      'mcp-protocol-version': MODERN,
      'mcp-method': 'tools/call',
      'mcp-name': 'read_file',
    });
    const post = await postOf(stateless.decideHead(head('POST', headers)));
    const call = {
      jsonrpc: '2.0',
      id: 3,
      method: 'tools/call',
      params: { name: 'read_file', arguments: {}, _meta: envelope },
    };
    expect(stateless.decideBody(post, { parsed: call })).toMatchObject({
      kind: 'modern',
      respond: 'exchange',
    });
    const other = { ...call, params: { ...call.params, name: 'whoami' } };
    expect(answerOf(stateless.decideBody(post, { parsed: other })).status).toBe(400);
  });

  it('plans sessions in stateful mode and refuses GET and DELETE when stateless', async () => {
    const get = answerOf(await stateless.decideHead(head('GET', postHeaders(reader))));
    expect([get.status, get.headers.allow]).toEqual([405, 'POST, OPTIONS']);
    const stream = await stateful.decideHead(
      head('GET', { ...postHeaders(reader), 'mcp-session-id': 's1', 'last-event-id': 'e1' }),
    );
    expect(stream).toMatchObject({
      kind: 'stream',
      request: { sessionId: 's1', lastEventId: 'e1' },
    });
    const noSession = answerOf(await stateful.decideHead(head('DELETE', postHeaders(reader))));
    expect(noSession.status).toBe(400);

    const post = await postOf(stateful.decideHead(head('POST', postHeaders(reader))));
    const initialize = {
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: {
        protocolVersion: '2025-11-25',
        capabilities: {},
        clientInfo: { name: 'c', version: '1' },
      },
    };
    expect(stateful.decideBody(post, { parsed: initialize })).toMatchObject({
      kind: 'session',
      sessionId: undefined,
      respond: 'stream',
    });
    const orphan = stateful.decideBody(post, {
      parsed: { jsonrpc: '2.0', id: 2, method: 'tools/list' },
    });
    expect(answerOf(orphan).status).toBe(400);
    const named = await postOf(
      stateful.decideHead(head('POST', postHeaders(reader, { 'mcp-session-id': 's1' }))),
    );
    expect(answerOf(stateful.decideBody(named, { parsed: initialize })).status).toBe(400);
  });

  it('answers 503 to everything once shut down', async () => {
    const decision = createHttpDecision(portcullis);
    decision.shutDown();
    const answer = answerOf(await decision.decideHead(head('POST', postHeaders(reader))));
    expect([answer.status, answer.headers.connection]).toEqual([503, 'close']);
  });
});
