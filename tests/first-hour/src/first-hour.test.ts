import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packPackages } from '../../../scripts/pack-packages.mjs';
import { runShell, stopAllShells } from './run-shell.js';

// A new user's first hour, outside the workspace: every package packed as it would publish,
// a fresh npm project in a temporary folder, and the pages' own words. The getting-started
// page's install lines and program are read from the page when the test runs, and run as the
// page prints them; the `@portcullis/*` names are given as the packed tarballs, as the page
// says to do until the first release. Then the file server and the client demo from the
// tarballs, with the client demo page's commands.

const root = fileURLToPath(new URL('../../../', import.meta.url));
const page = (file: string) => readFileSync(join(root, file), 'utf8');
/** The shell blocks of a page, outside block quotes, in order. */
const shellBlocks = (text: string) =>
  [...text.matchAll(/^```sh\n([\s\S]*?)^```$/gm)].map((block) => block[1]!);
/** npm's own noise is not the reader's concern; these are ours. */
const OUR_WARNINGS = /Failed to create bin|EBADENGINE|ERR!/;

let scratch: string;
let tarballs: Map<string, string>;

beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), 'portcullis-first-hour-'));
  const packed = packPackages(join(scratch, 'tarballs'));
  tarballs = new Map(packed.map(({ manifest, tarball }) => [manifest.name, tarball]));
});

afterAll(() => {
  stopAllShells();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

/** A page's command with every `@portcullis/*` package named by its tarball. */
function fromTarballs(command: string): string {
  return command.replace(/@portcullis\/[\w-]+/g, (name) => {
    const tarball = tarballs.get(name);
    if (!tarball) throw new Error(`the page installs ${name}, which no package publishes`);
    return tarball;
  });
}

describe('docs/getting-started.md, in a new npm project outside the workspace', () => {
  const text = page('docs/getting-started.md');
  const [setup, start] = shellBlocks(text);
  const program = /^<!-- sample [^\n]+ -->\n```ts\n([\s\S]*?)^```$/m.exec(text)?.[1];
  const fileName = /Save this whole program as `([\w.-]+)`/.exec(text)?.[1];

  it('installs every package the program imports', () => {
    expect(program).toBeDefined();
    const imported = [...program!.matchAll(/^import .* from '([^']+)';$/gm)]
      .map((match) => match[1]!)
      .filter((specifier) => !specifier.startsWith('node:'));
    const installed = setup!.split(/\s+/);
    expect(imported.filter((specifier) => !installed.includes(specifier))).toEqual([]);
  });

  it('runs the program with the command the page gives, and it succeeds', async () => {
    expect(setup, 'the page prints its set-up lines').toMatch(/^npm init -y$/m);
    expect(fileName, 'the page names the file to save the program in').toBeDefined();
    const installed = await runShell(fromTarballs(setup!), scratch);
    expect(installed.code, `${installed.stdout}\n${installed.stderr}`).toBe(0);
    expect(`${installed.stdout}${installed.stderr}`).not.toMatch(OUR_WARNINGS);

    // The set-up block made the project and went into it: the first line names the folder.
    const folder = /^mkdir (\S+)/.exec(setup!)?.[1];
    const project = join(scratch, folder!);
    expect(JSON.parse(readFileSync(join(project, 'package.json'), 'utf8')).type).toBe('module');
    writeFileSync(join(project, fileName!), program!);
    const ran = await runShell(start!, project);
    expect(ran.code, `${start}\n${ran.stdout}\n${ran.stderr}`).toBe(0);
    expect(ran.stdout).toMatch(/^note 42, read by client-\S+$/m);
  });
});

describe('the file server the README starts and docs/client-demo.md, from the tarballs', () => {
  it("the client demo page's commands call the file server with the client the page names", async () => {
    const project = join(scratch, 'apps');
    mkdirSync(project);
    const installed = await runShell(
      `npm init -y >/dev/null && npm install ${[...tarballs.values()].join(' ')}`,
      project,
    );
    expect(installed.code, installed.stderr).toBe(0);
    expect(`${installed.stdout}${installed.stderr}`).not.toMatch(OUR_WARNINGS);

    // README's "from the registry" command for the file server, without its --help.
    const fileServer = /`(npx @portcullis\/file-server) --help`/.exec(page('README.md'))?.[1];
    expect(fileServer, 'README.md prints npx @portcullis/file-server').toBeDefined();
    const demo = page('docs/client-demo.md');
    // The page says which command replaces the workspace's outside it.
    const [, installedForm, workspaceForm] =
      /start with `(npx @portcullis\/client-demo)` in place of `([^`]+)`/.exec(demo) ?? [];
    expect(installedForm, 'docs/client-demo.md says how to run it when installed').toBeDefined();
    const commands = shellBlocks(demo)
      .flatMap((block) => block.split('\n'))
      .filter(
        (line) => line.startsWith(workspaceForm!) && /--server \S*127\.0\.0\.1:8080/.test(line),
      );
    expect(
      commands.map((command) => command.slice(workspaceForm!.length).trim().split(' ')[0]),
    ).toEqual(['tools', 'whoami']);

    const files = join(scratch, 'files');
    mkdirSync(files);
    writeFileSync(join(files, 'hello.txt'), 'hello');
    const server = await runShell(
      fileServer!,
      project,
      { FILE_SERVER_PORT: '0', FILE_SERVER_ROOT: files },
      {
        stdout: /client_id=\S+ +client_secret=\S+/,
        whileRunning: async (banner) => {
          const host = /MCP \(HTTP\) +http:\/\/(127\.0\.0\.1:\d+)\/mcp/.exec(banner)![1]!;
          const [, clientId, clientSecret] = /client_id=(\S+) +client_secret=(\S+)/.exec(banner)!;
          for (const printed of commands) {
            expect(printed).toContain(`--client-id ${clientId} `);
            const command = printed
              .replace(workspaceForm!, installedForm!)
              .replaceAll('127.0.0.1:8080', host);
            const ran = await runShell(command, project, { MCP_CLIENT_SECRET: clientSecret });
            expect(ran.code, `${command}\n${ran.stdout}\n${ran.stderr}`).toBe(0);
            if (/ tools /.test(command)) expect(ran.stdout).toMatch(/read_file/);
            if (/ whoami /.test(command))
              expect(JSON.parse(ran.stdout.slice(ran.stdout.indexOf('{')))).toMatchObject({
                claims: { client_id: clientId },
              });
          }
        },
      },
    );
    expect(server.stdout, server.stderr).toMatch(
      /MCP \(WebSocket\) +ws:\/\/127\.0\.0\.1:\d+\/mcp\/ws/,
    );
  });
});
