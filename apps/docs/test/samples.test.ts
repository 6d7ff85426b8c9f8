import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { main as casdoorAudience } from '../samples/casdoor-audience.js';
import { main as completeServer } from '../samples/complete-server.js';
import { embedSamples, pagesWithSamples, SAMPLE } from '../scripts/embed-samples.mjs';

// The samples the site includes are type-checked with this package (`tsc`); the whole programs
// among them are run here, as the site shows them.
describe('the documentation samples that are whole programs', () => {
  it('getting started: a protected tool called with a real token', () => {
    expect(runScript('getting-started.ts')).toMatch(/^note 42, read by client-/);
  });

  it('a complete server: own Koa routes, MCP over HTTP and WebSocket on one server, the SDK client', async () => {
    const lines = await completeServer();
    expect(lines[0]).toMatch(/^HTTP: client-.*: buy milk$/);
    expect(lines[1]).toBe('WebSocket: 4 words');
    expect(lines[2]).toBe('own route: {"hello":"world"}');
  });

  it("Casdoor: a client-credentials token's audience is its client id, accepted once named", async () => {
    const [strict, named] = await casdoorAudience();
    expect(strict).toMatch(
      /^the MCP URL alone: refused \(token audience client-\S+ is not accepted here/,
    );
    expect(named).toMatch(/^with the client id: accepted, client client-\S+, scopes files:read$/);
  });
});

const root = fileURLToPath(new URL('../../../', import.meta.url));
const samples = fileURLToPath(new URL('../samples/', import.meta.url));
const pages = readdirSync(`${root}docs`).filter((file) => file.endsWith('.md'));
describe('every code sample is a file in apps/docs/samples, embedded in the Markdown', () => {
  it.each(pages)('docs/%s has TypeScript or JavaScript only between sample markers', (page) => {
    const text = readFileSync(`${root}docs/${page}`, 'utf8').replace(SAMPLE, '');
    expect(text.match(/^```(ts|typescript|js|javascript|tsx|mts)\b.*$/gm) ?? []).toEqual([]);
    expect(text).not.toMatch(/^<<< /m);
  });

  it.each(pagesWithSamples())(
    '%s shows every sample exactly as it is in apps/docs/samples',
    (page) => {
      // The page is what a code host shows: the embedded code must be the sample's, byte for
      // byte (`node apps/docs/scripts/embed-samples.mjs` rewrites it).
      const text = readFileSync(`${root}${page}`, 'utf8');
      expect(text).toBe(embedSamples(text));
    },
  );

  it("README.md's server is apps/docs/samples/readme-server.ts, and its only TypeScript", () => {
    const readme = readFileSync(`${root}README.md`, 'utf8');
    const section = readme.slice(readme.indexOf('## A protected MCP server in a few lines'));
    const block = /^```ts\n([\s\S]*?)^```$/m.exec(section)?.[1];
    expect(block).toBe(readFileSync(`${samples}readme-server.ts`, 'utf8'));
    expect(readme.match(/^```ts$/gm)).toHaveLength(1);
  });
});

/** Runs a sample that is a script (top-level await) as a reader would, with tsx. */
function runScript(file: string): string {
  return execFileSync(
    process.execPath,
    ['--import', import.meta.resolve('tsx'), `${samples}${file}`],
    {
      cwd: samples,
      encoding: 'utf8',
      timeout: 60_000,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
}

describe('the testing page, run', () => {
  it('testing-start.ts prints a JWT access token and closes the authorization server', () => {
    expect(runScript('testing-start.ts').trim()).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
  });

  it('testing-scopes.ts: a scope added to DEFAULT_SCOPES is granted', () => {
    expect(runScript('testing-scopes.ts').trim()).toBe('granted: notes:read');
  });
});

describe('the transport guides', () => {
  const read = (page: string) => readFileSync(`${root}docs/${page}`, 'utf8');

  it.each([
    [
      'websocket.md',
      [
        'attachWebSocketServer',
        'startWebSocketServer',
        'tokenSubprotocol',
        'CloseCode',
        'WebSocketUpgradeError',
        'WebSocketClientTransport',
        'TOKEN_SUBPROTOCOL_PREFIX',
        'MCP_SUBPROTOCOL',
        'REAUTHENTICATE_METHOD',
      ],
    ],
    ['streamable-http.md', ['createMemoryEventStore']],
    ['stdio.md', ['runStdioServer', 'resolveStdioIdentity']],
    ['deployment.md', ['connectRedis', 'FAIL_FAST_OPTIONS']],
  ])('%s names %j', (page, names) => {
    const text = read(page); // the samples are embedded in it
    expect(names.filter((name) => !new RegExp(`\\b${name}\\b`).test(text))).toEqual([]);
  });
});
