import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type AuthorizationServer,
  createDpopKey,
  type DpopKey,
  dpopProof,
  startAuthorizationServer,
} from '@portcullis/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callTool, succeeded, upgrade } from './mcp.js';
import {
  freePort,
  type Instance,
  installed,
  type RedisServer,
  startInstance,
  startRedis,
} from './processes.js';

const available = installed('redis-server');
if (!available && process.env.CI) throw new Error('redis-server is needed; .ci/run installs it');

/**
 * Two file servers behind one public URL (each reached directly, with the public `Host`), their
 * state on one real redis-server through the single `--redis` option: what one instance has
 * seen, the other knows, and a Redis that is alive but answers nothing makes both
 * answer 503 with `Retry-After` instead of hanging, then serve again.
 */
describe.skipIf(!available)('two file servers sharing Redis: proof ids, and a frozen Redis', () => {
  let redis: RedisServer;
  let as: AuthorizationServer;
  let instances: Instance[] = [];
  let root: string;
  let resource: string;
  let key: DpopKey;
  let token: string;

  beforeAll(async () => {
    const [publicPort, ...ports] = await Promise.all([freePort(), freePort(), freePort()]);
    resource = `http://127.0.0.1:${publicPort}/mcp`;
    root = await mkdtemp(join(tmpdir(), 'portcullis-shared-state-'));
    [redis, as] = await Promise.all([startRedis(), startAuthorizationServer()]);
    const args = [
      ...['--root', root, '--issuer', as.issuer, '--resource', resource],
      ...['--redis', redis.url, '--dpop', 'optional'],
    ];
    instances = await Promise.all(ports.map((port) => startInstance(port!, args)));
    const client = await as.registerClient();
    key = await createDpopKey();
    const answer = await as.clientCredentialsToken({
      clientId: client.clientId,
      clientSecret: client.clientSecret!,
      scope: 'files:read files:write files:list',
      resource,
      dpop: key,
    });
    expect(answer.token_type).toBe('DPoP');
    token = answer.access_token;
  }, 60_000);

  afterAll(async () => {
    redis?.thaw();
    await Promise.all(instances.map((instance) => instance.kill()));
    await redis?.stop();
    await as?.close();
    if (root) await rm(root, { recursive: true, force: true });
  });

  /** The headers of a DPoP request to the public URL, with a fresh proof. */
  const dpopHeaders = async (method = 'POST', url = resource) => ({
    authorization: `DPoP ${token}`,
    dpop: await dpopProof(key, { method, url, accessToken: token }),
  });

  it('R-01 a captured token and proof accepted by one instance are refused by the other', async () => {
    const [a, b] = instances.map((instance) => instance.direct(resource));
    const captured = await dpopHeaders();
    const write = (path: string) => ({ path, content: 'replayed', createFolders: true });
    expect(succeeded(await callTool(a!, captured, 'write_file', write('first.txt')))).toBe(true);

    // The proof does not cover the body: a replay could carry any call. Instance B, which has
    // never seen the proof, must know it from Redis.
    const replayed = await callTool(b!, captured, 'write_file', write('replayed.txt'));
    expect(replayed.status).toBe(401);
    expect(replayed.response?.error).toMatchObject({
      code: -32001,
      data: 'the DPoP proof was already used (jti replay)',
    });
    // The same token with a fresh proof works on B: what was refused is the replay alone.
    expect(succeeded(await callTool(b!, await dpopHeaders(), 'list_files', {}))).toBe(true);
    // And on A, the instance that accepted it first (the in-process behaviour, unchanged).
    expect((await callTool(a!, captured, 'list_files', {})).status).toBe(401);
  });

  it('R-01 a captured WebSocket upgrade proof is refused by the other instance', async () => {
    const [a, b] = instances.map((instance) => instance.direct(resource));
    const captured = await dpopHeaders('GET', resource.replace(/^http/, 'ws').concat('/ws'));
    expect((await upgrade(a!, captured)).status).toBe(101);
    expect((await upgrade(b!, captured)).status).toBe(401);
  });

  it('R-02 a frozen Redis makes requests and upgrades answer 503 with Retry-After, and service comes back when it resumes', async () => {
    const targets = instances.map((instance) => instance.direct(resource));
    for (const target of targets)
      expect(succeeded(await callTool(target, await dpopHeaders(), 'list_files', {}))).toBe(true);

    await redis.freeze();
    try {
      // Alive, its connections open, answering nothing: without a command timeout each of these
      // waits for as long as Redis sleeps.
      for (const target of targets) {
        const call = await callTool(target, await dpopHeaders(), 'list_files', {});
        expect(call.status).toBe(503);
        expect(Number(call.retryAfter)).toBeGreaterThanOrEqual(1);
        const opened = await upgrade(
          target,
          await dpopHeaders('GET', `${resource.replace(/^http/, 'ws')}/ws`),
        );
        expect(opened.status).toBe(503);
        expect(Number(opened.retryAfter)).toBeGreaterThanOrEqual(1);
      }
    } finally {
      redis.thaw();
    }
    // The same connections serve again at once, each answer matched to its own command.
    for (const target of targets) {
      expect(succeeded(await callTool(target, await dpopHeaders(), 'list_files', {}))).toBe(true);
      const replayed = await dpopHeaders();
      expect(succeeded(await callTool(target, replayed, 'list_files', {}))).toBe(true);
      expect((await callTool(target, replayed, 'list_files', {})).status).toBe(401);
    }
  });
});
