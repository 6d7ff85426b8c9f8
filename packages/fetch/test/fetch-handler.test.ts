import { createJwtVerifier, createPortcullis, createRegistry, defineTool } from '@portcullis/core';
import { SMALL_BODY_BYTES } from '@portcullis/core/adapter';
import { type AuthorizationServer, startAuthorizationServer } from '@portcullis/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFetchHandler, type FetchHandler } from '../src/index.js';

const RESOURCE = 'https://notes.example.test/mcp';

/** The handler is called with `Request` objects directly: no socket, as a runtime calls it. */
describe('createFetchHandler', () => {
  let as: AuthorizationServer;
  let handler: FetchHandler;
  let token: string;
  const post = (body: string, headers: Record<string, string> = {}, path = '/mcp') =>
    handler.fetch(
      new Request(`https://notes.example.test${path}`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${token}`,
          accept: 'application/json, text/event-stream',
          'content-type': 'application/json',
          ...headers,
        },
        body,
      }),
    );

  beforeAll(async () => {
    as = await startAuthorizationServer();
    handler = createFetchHandler(
      createPortcullis({
        resource: RESOURCE,
        server: { name: 'notes', version: '1.0.0' },
        registry: createRegistry({
          tools: [
            defineTool({
              name: 'echo',
              description: 'e',
              scopes: [],
              handler: () => ({ content: [{ type: 'text', text: 'echo' }] }),
            }),
          ],
        }),
        verifier: createJwtVerifier({ issuers: [as.issuer], audience: RESOURCE }),
        authorizationServers: [as.issuer],
      }),
    );
    token = await as.mintToken({ audience: RESOURCE, scopes: [] });
  });
  afterAll(async () => {
    await handler.close();
    await as.close();
  });

  it('leaves other paths to the next handler, and answers 404 from fetch', async () => {
    const request = new Request('https://notes.example.test/elsewhere');
    expect(await handler.handle(request)).toBeUndefined();
    expect((await handler.fetch(request)).status).toBe(404);
  });

  it('answers a 2025 call with JSON, and a batch with every response', async () => {
    const single = await post(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }));
    expect(single.status).toBe(200);
    expect(((await single.json()) as { result: { tools: unknown[] } }).result.tools).toHaveLength(
      1,
    );
    const batch = await post(
      JSON.stringify([
        { jsonrpc: '2.0', id: 'a', method: 'ping' },
        { jsonrpc: '2.0', id: 'b', method: 'ping' },
      ]),
      { 'mcp-protocol-version': '2025-03-26' },
    );
    expect(
      ((await batch.json()) as Array<{ id: string }>).map((answer) => answer.id).sort(),
    ).toEqual(['a', 'b']);
    const notification = await post(
      JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }),
    );
    expect([notification.status, await notification.text()]).toEqual([202, '']);
  });

  it('limits the body by method: 413 for a large tools/list, not for a tools/call', async () => {
    const pad = 'x'.repeat(SMALL_BODY_BYTES);
    const list = await post(
      JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list', params: { pad } }),
    );
    expect(list.status).toBe(413);
    const call = await post(
      JSON.stringify({
        jsonrpc: '2.0',
        id: 3,
        method: 'tools/call',
        params: { name: 'echo', arguments: { pad } },
      }),
    );
    expect(call.status).toBe(200);
  });

  it('refuses like the Node adapter: no token, a token in the URL, GET without sessions', async () => {
    const anonymous = await handler.fetch(
      new Request(RESOURCE, {
        method: 'POST',
        headers: {
          accept: 'application/json, text/event-stream',
          'content-type': 'application/json',
        },
        body: '{}',
      }),
    );
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toContain('resource_metadata=');
    expect((await post('{}', {}, '/mcp?access_token=x')).status).toBe(400);
    const get = await handler.fetch(
      new Request(RESOURCE, { headers: { authorization: `Bearer ${token}` } }),
    );
    expect(get.status).toBe(405);
  });
});
