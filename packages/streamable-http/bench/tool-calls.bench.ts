import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startAuthorizationServer } from '@portcullis/testing';
import { afterAll, bench, describe } from 'vitest';
import { startProtectedServer } from '../test/fixtures.js';
import { openLegacySession } from './legacy-session.js';

/**
 * Tool calls per second through the whole stack (Koa, authentication with the verified-token
 * cache, the scope check, the MCP server), driven over keep-alive connections on loopback by a
 * load generator in its own process. Prints calls/s; the bench table only times the runs.
 */
const SECONDS = 4;
const CONCURRENCY = 32;
const generator = fileURLToPath(new URL('./load-generator.mjs', import.meta.url));

const as = await startAuthorizationServer();
const stateless = await startProtectedServer(as);
const stateful = await startProtectedServer(as, { sessions: {}, jsonResponse: true });
afterAll(async () => {
  await stateless.close();
  await stateful.close();
  await as.close();
});

const callBody = {
  jsonrpc: '2.0',
  id: 1,
  method: 'tools/call',
  params: { name: 'read_file', arguments: { path: 'a.txt' } },
};
const statelessHeaders = {
  authorization: `Bearer ${await as.mintToken({ audience: stateless.url, scopes: ['files:read'] })}`,
};
const statefulToken = await as.mintToken({ audience: stateful.url, scopes: ['files:read'] });
const statefulHeaders = {
  authorization: `Bearer ${statefulToken}`,
  ...(await openLegacySession(stateful.url, `Bearer ${statefulToken}`)),
};

async function measure(label: string, url: string, headers: Record<string, string>) {
  const { stdout } = await promisify(execFile)(process.execPath, [
    generator,
    JSON.stringify({ url, headers, body: callBody, seconds: SECONDS, concurrency: CONCURRENCY }),
  ]);
  const { calls, errors, seconds } = JSON.parse(stdout) as {
    calls: number;
    errors: number;
    seconds: number;
  };
  console.log(
    `${label}: ${Math.round(calls / seconds).toLocaleString('en-US')} tool calls/s (${calls} in ${seconds.toFixed(1)} s, ${errors} errors, ${CONCURRENCY} connections, Node ${process.version})`,
  );
}

describe('Streamable HTTP tools/call throughput', () => {
  bench(
    'stateless (default), JSON answers',
    () => measure('stateless', stateless.url, statelessHeaders),
    { iterations: 1, warmupIterations: 0, time: 0 },
  );
  bench(
    'stateful, one reused session, JSON answers',
    () => measure('stateful session', stateful.url, statefulHeaders),
    { iterations: 1, warmupIterations: 0, time: 0 },
  );
});
