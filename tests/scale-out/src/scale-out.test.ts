import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import {
  type AuthorizationServer,
  type RegisteredClient,
  startAuthorizationServer,
} from '@portcullis/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callTool, listen, send, succeeded } from './mcp.js';
import {
  freePort,
  type Instance,
  installed,
  type RedisServer,
  startInstance,
  startNginx,
  startRedis,
} from './processes.js';

const available = installed('redis-server') && installed('nginx');
if (!available && process.env.CI)
  throw new Error('redis-server and nginx are needed; .ci/run installs them');

/** Requests per minute per identity, on every instance together. */
const RATE_LIMIT = 30;
/** Seconds an introspection answer is reused: the bound on honouring a revocation. */
const INTROSPECTION_CACHE_SECONDS = 2;
const SCOPES = 'files:read files:write files:list';

const waitFor = async (check: () => Promise<boolean>, timeoutMs: number, what: string) => {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
};

describe.skipIf(!available)('three file servers behind nginx, sharing Redis', () => {
  let redis: RedisServer;
  let as: AuthorizationServer;
  let nginx: { stop(): Promise<void> };
  let instances: Instance[] = [];
  let root: string;
  let resource: string;
  let resourceServer: RegisteredClient;

  /** A fresh identity (its own client) and an opaque token for the resource. */
  const newCaller = async () => {
    const client = await as.registerClient();
    const token = async () =>
      (
        await as.clientCredentialsToken({
          clientId: client.clientId,
          clientSecret: client.clientSecret!,
          scope: SCOPES,
          resource,
        })
      ).access_token;
    return { client, token: await token() };
  };

  beforeAll(async () => {
    const [lbPort, ...ports] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
    resource = `http://127.0.0.1:${lbPort}/mcp`;
    root = await mkdtemp(join(tmpdir(), 'portcullis-scale-out-'));
    [redis, as] = await Promise.all([
      startRedis(),
      startAuthorizationServer({ opaqueResources: [resource] }),
    ]);
    resourceServer = await as.registerClient();
    const args = [
      ...['--root', root, '--issuer', as.issuer, '--resource', resource],
      ...['--redis', redis.url, '--sessions', '--rate-limit', String(RATE_LIMIT)],
      ...['--introspection', `${resourceServer.clientId}:${resourceServer.clientSecret}`],
      ...['--introspection-cache', String(INTROSPECTION_CACHE_SECONDS)],
    ];
    instances = await Promise.all(ports.map((port) => startInstance(port!, args)));
    nginx = await startNginx(lbPort!, ports as number[]);
  }, 300_000);

  afterAll(async () => {
    await nginx?.stop();
    await Promise.all(instances.map((instance) => instance.kill()));
    await redis?.stop();
    await as?.close();
    if (root) await rm(root, { recursive: true, force: true });
  });

  it("upgrades WebSocket through the page's nginx configuration, on every instance", async () => {
    const { token } = await newCaller();
    const url = new URL(resource.replace(/\/mcp$/, '/mcp/ws'));
    const upgrades = [];
    for (let i = 0; i < instances.length; i++) {
      upgrades.push(
        await new Promise<{ status: number; protocol: string | undefined }>((resolve, reject) => {
          const request = httpRequest(url, {
            headers: {
              connection: 'Upgrade',
              upgrade: 'websocket',
              'sec-websocket-version': '13',
              'sec-websocket-key': randomBytes(16).toString('base64'),
              'sec-websocket-protocol': 'mcp',
              authorization: `Bearer ${token}`,
            },
          });
          request.on('upgrade', (response, socket) => {
            socket.destroy();
            resolve({
              status: response.statusCode!,
              protocol: response.headers['sec-websocket-protocol'],
            });
          });
          request.on('response', (response) => {
            response.resume();
            resolve({ status: response.statusCode!, protocol: undefined });
          });
          request.on('error', reject);
          request.end();
        }),
      );
    }
    // Without the upgrade headers nginx turns the handshake into a plain GET, answered 404.
    expect(upgrades).toEqual(instances.map(() => ({ status: 101, protocol: 'mcp' })));
  });

  it('holds the rate limit in total across instances, with requests spread over all three', async () => {
    const { token } = await newCaller();
    const before = instances.map((instance) => instance.mcpRequests());
    const answers = [];
    for (let i = 0; i < RATE_LIMIT + 15; i++)
      answers.push(await callTool(resource, token, 'list_files', { path: '.' }));
    const allowed = answers.filter((answer) => answer.status === 200).length;
    const refused = answers.filter((answer) => answer.status === 429).length;
    expect({ allowed, refused }).toEqual({ allowed: RATE_LIMIT, refused: 15 });
    const served = instances.map((instance, i) => instance.mcpRequests() - before[i]!);
    // Round robin without stickiness: every instance took its share; in-process limits would
    // have allowed up to three times as many.
    for (const count of served) expect(count).toBeGreaterThanOrEqual(10);
  });

  it('serves a 2025-era stateful session from any instance, bound to its owner everywhere', async () => {
    const owner = await newCaller();
    const transport = new StreamableHTTPClientTransport(new URL(resource), {
      requestInit: { headers: { authorization: `Bearer ${owner.token}` } },
    });
    const client = new Client({ name: 'legacy-scale-out', version: '1.0.0' });
    const before = instances.map((instance) => instance.mcpRequests());
    await client.connect(transport);
    try {
      const sessionId = transport.sessionId!;
      expect(sessionId).toBeTruthy();
      for (let i = 0; i < 6; i++) {
        const result = await client.callTool({
          name: 'write_file',
          arguments: { path: `legacy-${i}.txt`, content: `legacy ${i}` },
        });
        expect(result.isError).not.toBe(true);
      }
      for (let i = 0; i < 6; i++)
        expect(await readFile(join(root, `legacy-${i}.txt`), 'utf8')).toBe(`legacy ${i}`);
      // No stickiness: the one session was served by every instance (adopted by two of them).
      const served = instances.map((instance, i) => instance.mcpRequests() - before[i]!);
      for (const count of served) expect(count).toBeGreaterThanOrEqual(2);

      // Another identity naming the session is refused by every instance, directly.
      const intruder = await newCaller();
      for (const instance of instances) {
        const answer = await send(instance.direct(resource), {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            accept: 'application/json, text/event-stream',
            authorization: `Bearer ${intruder.token}`,
            'mcp-session-id': sessionId,
            'mcp-protocol-version': '2025-11-25',
          },
          body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} }),
        });
        expect(answer.status).toBe(404);
      }
      // Ended through one instance, it is gone on all of them.
      await transport.terminateSession();
      for (const instance of instances) {
        const answer = await send(instance.direct(resource), {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            accept: 'application/json, text/event-stream',
            authorization: `Bearer ${owner.token}`,
            'mcp-session-id': sessionId,
            'mcp-protocol-version': '2025-11-25',
          },
          body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list', params: {} }),
        });
        expect(answer.status).toBe(404);
      }
    } finally {
      await client.close();
    }
  });

  it('delivers an update made through one instance to listeners on every instance', async () => {
    const { token } = await newCaller();
    const uri = 'file:///shared/note.txt';
    const listeners = await Promise.all(
      instances.map((instance) => listen(instance.direct(resource), token, [uri])),
    );
    try {
      for (const listener of listeners)
        expect(await listener.next()).toMatchObject({
          method: 'notifications/subscriptions/acknowledged',
          params: { notifications: { resourceSubscriptions: [uri] } },
        });
      const written = await callTool(instances[1]!.direct(resource), token, 'write_file', {
        path: 'shared/note.txt',
        content: 'hello from instance 1',
        createFolders: true,
      });
      expect(succeeded(written)).toBe(true);
      for (const listener of listeners)
        expect(await listener.next()).toMatchObject({
          method: 'notifications/resources/updated',
          params: { uri },
        });
    } finally {
      for (const listener of listeners) listener.close();
    }
  });

  it('honours a revocation on every instance within the introspection cache lifetime', async () => {
    const { client, token } = await newCaller();
    for (const instance of instances)
      expect(succeeded(await callTool(instance.direct(resource), token, 'list_files', {}))).toBe(
        true,
      );
    const revoked = await fetch(as.revocationEndpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${client.clientId}:${client.clientSecret}`).toString('base64')}`,
      },
      body: new URLSearchParams({ token, token_type_hint: 'access_token' }),
    });
    expect(revoked.status).toBe(200);
    const revokedAt = Date.now();
    await waitFor(
      async () => {
        const statuses = await Promise.all(
          instances.map(
            async (instance) =>
              (await callTool(instance.direct(resource), token, 'list_files', {})).status,
          ),
        );
        return statuses.every((status) => status === 401);
      },
      INTROSPECTION_CACHE_SECONDS * 1000 + 2_000,
      'the revoked token refused everywhere',
    );
    expect(Date.now() - revokedAt).toBeLessThanOrEqual(INTROSPECTION_CACHE_SECONDS * 1000 + 2_000);
  });

  it('fails closed while Redis is away, and recovers when it returns', async () => {
    const { token } = await newCaller();
    expect(succeeded(await callTool(resource, token, 'list_files', {}))).toBe(true);
    const legacy = new StreamableHTTPClientTransport(new URL(resource), {
      requestInit: { headers: { authorization: `Bearer ${token}` } },
    });
    const legacyClient = new Client({ name: 'legacy-outage', version: '1.0.0' });
    await legacyClient.connect(legacy);
    const sessionId = legacy.sessionId!;
    await legacyClient.close();

    await redis.stop();
    try {
      for (const instance of instances) {
        const answer = await callTool(instance.direct(resource), token, 'list_files', {});
        expect(answer.status).toBe(503);
        const session = await send(instance.direct(resource), {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            accept: 'application/json, text/event-stream',
            authorization: `Bearer ${token}`,
            'mcp-session-id': sessionId,
            'mcp-protocol-version': '2025-11-25',
          },
          body: JSON.stringify({ jsonrpc: '2.0', id: 3, method: 'tools/list', params: {} }),
        });
        expect(session.status).toBe(503);
      }
    } finally {
      await redis.start();
    }
    for (const instance of instances)
      await waitFor(
        async () => succeeded(await callTool(instance.direct(resource), token, 'list_files', {})),
        15_000,
        `instance on ${instance.port} serving again`,
      );
    // Pub/sub is subscribed again too: an update crosses instances once more.
    const uri = 'file:///after-outage.txt';
    const listener = await listen(instances[0]!.direct(resource), token, [uri]);
    try {
      await listener.next();
      await waitFor(
        async () => {
          await callTool(instances[2]!.direct(resource), token, 'write_file', {
            path: 'after-outage.txt',
            content: 'back',
          });
          const heard = await Promise.race([
            listener.next(),
            new Promise((resolve) => setTimeout(() => resolve(undefined), 500)),
          ]);
          return (heard as { params?: { uri?: string } } | undefined)?.params?.uri === uri;
        },
        10_000,
        'an update crossing instances after the outage',
      );
    } finally {
      listener.close();
    }
  });

  it('loses no acknowledged write when an instance is killed mid-traffic', async () => {
    const writers = await Promise.all([newCaller(), newCaller(), newCaller(), newCaller()]);
    const acknowledged = new Map<string, string>();
    let attempted = 0;
    let stop = false;
    const write = async (token: string, writer: number) => {
      for (let i = 0; !stop; i++) {
        const path = `durable/w${writer}-${i}.txt`;
        const content = `${writer}:${i}:${'x'.repeat(2000)}`;
        attempted += 1;
        const answer = await callTool(resource, token, 'write_file', {
          path,
          content,
          createFolders: true,
        }).catch(() => undefined);
        if (answer && succeeded(answer)) acknowledged.set(path, content);
        if (i >= RATE_LIMIT - 5) break;
      }
    };
    const running = writers.map(({ token }, writer) => write(token, writer));
    await waitFor(async () => acknowledged.size >= 20, 15_000, 'writes acknowledged');
    await instances[2]!.kill();
    const acknowledgedAtKill = acknowledged.size;
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    stop = true;
    await Promise.all(running);
    // Writes went on through the other two instances after the kill.
    expect(acknowledged.size).toBeGreaterThan(acknowledgedAtKill);
    expect(attempted).toBeGreaterThanOrEqual(acknowledged.size);
    for (const [path, content] of acknowledged)
      expect(await readFile(join(root, path), 'utf8')).toBe(content);
  });
});
