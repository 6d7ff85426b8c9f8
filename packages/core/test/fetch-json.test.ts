import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchJson } from '../src/fetch-json.js';

describe('fetchJson', () => {
  const server = createServer((req, res) => {
    if (req.url === '/moved') {
      res.writeHead(302, { location: '/document' }).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
  });
  let base: string;
  beforeAll(async () => {
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  it('fetches a JSON object', async () => {
    await expect(fetchJson(`${base}/document`, { timeoutMs: 5000 })).resolves.toEqual({ ok: true });
  });

  it('never follows a redirect (a runtime-neutral `manual`, refused as not ok)', async () => {
    await expect(fetchJson(`${base}/moved`, { timeoutMs: 5000 })).rejects.toThrow(
      /moved answered HTTP 302/,
    );
  });
});
