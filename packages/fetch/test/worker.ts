import { once } from 'node:events';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { Miniflare } from 'miniflare';
import { sample } from './runtimes.js';

const require = createRequire(import.meta.url);

/** A free loopback port, for a worker whose resource URL must be known before it starts. */
async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

/**
 * Bundles the Workers sample as wrangler would (esbuild, ESM, `node:` built-ins left to the
 * `nodejs_compat` flag) and runs it in workerd through Miniflare.
 */
export async function startWorker(issuer: string) {
  const esbuild = require('esbuild') as typeof import('esbuild');
  const bundle = await esbuild.build({
    entryPoints: [sample('fetch-worker.ts')],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'neutral',
    target: 'es2022',
    mainFields: ['module', 'main'],
    conditions: ['@portcullis/source', 'workerd', 'worker', 'import'],
    external: ['node:*'],
    logLevel: 'silent',
  });
  const port = await freePort();
  const url = `http://127.0.0.1:${port}/mcp`;
  const worker = new Miniflare({
    modules: true,
    script: bundle.outputFiles[0]!.text,
    compatibilityDate: '2026-07-01',
    compatibilityFlags: ['nodejs_compat'],
    bindings: { RESOURCE: url, ISSUER: issuer },
    host: '127.0.0.1',
    port,
  });
  await worker.ready;
  return { url, stop: () => worker.dispose() };
}
