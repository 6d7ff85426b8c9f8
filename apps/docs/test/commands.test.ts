import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

// The commands the README and the app pages print, read from those files when the test runs
// (so a renamed package or a changed flag is tested as it is printed), and run from the
// repository root as printed. The install before `&&` has already happened here: the part after
// the last `&&` is run.

const root = fileURLToPath(new URL('../../../', import.meta.url));
const SOURCES = ['README.md', 'docs/file-server.md', 'docs/client-demo.md'];
/** A pnpm command of this repository, as the pages print it: `npx -y pnpm@X run SCRIPT …`. */
const COMMAND = /npx -y pnpm@[\d.]+ run [\w:-]+(?: [^`\n\\]*)?/g;

/** Every command in the code spans and shell blocks of a page, with where it is printed. */
function printedCommands(file: string): string[] {
  const text = readFileSync(join(root, file), 'utf8');
  const code = [
    ...[...text.matchAll(/^```sh\n([\s\S]*?)^```$/gm)].flatMap((block) => block[1]!.split('\n')),
    ...[...text.matchAll(/`([^`\n]+)`/g)].map((span) => span[1]!),
  ];
  return code.flatMap((line) =>
    [...(line.split('&&').at(-1) ?? '').matchAll(COMMAND)].map((match) =>
      match[0].replace(/\s+#.*$/, '').trim(),
    ),
  );
}

const where = new Map<string, string[]>();
for (const file of SOURCES) {
  for (const command of printedCommands(file)) {
    const files = where.get(command) ?? [];
    if (!files.includes(file)) where.set(command, [...files, file]);
  }
}
const helpCommands = [...where.keys()].filter((command) => / -- --help$/.test(command));

type Run = { code: number | null; stdout: string; stderr: string };
const running = new Set<ChildProcess>();

/**
 * Runs a printed command through the shell from the repository root, in its own process group
 * so that a server it starts is stopped with it. With `until`, the run ends (the group is sent
 * SIGTERM) as soon as stdout matches.
 */
function run(
  command: string,
  env: NodeJS.ProcessEnv = {},
  until?: RegExp,
  whileRunning?: (stdout: string) => Promise<void>,
): Promise<Run> {
  return new Promise((resolve, reject) => {
    let ready = false;
    let failure: unknown;
    const child = spawn('sh', ['-c', command], {
      cwd: root,
      env: { ...process.env, ...env, FORCE_COLOR: '0', NO_COLOR: '1' },
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    running.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (chunk) => {
      stdout += chunk;
      if (ready || !until?.test(stdout)) return;
      ready = true;
      // What runs against the started command (a client against a server) ends it either way.
      (whileRunning?.(stdout) ?? Promise.resolve())
        .catch((error: unknown) => {
          failure = error;
        })
        .finally(() => stop(child));
    });
    child.stderr!.on('data', (chunk) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => {
      running.delete(child);
      if (failure) reject(failure);
      else resolve({ code, stdout, stderr });
    });
  });
}

function stop(child: ChildProcess) {
  try {
    if (child.pid !== undefined) process.kill(-child.pid, 'SIGTERM');
  } catch {
    // already gone
  }
}

afterAll(() => {
  for (const child of running) stop(child);
});

describe('the commands the README and the app pages print', () => {
  it('include the --help of the file server and of the client, on the pages that describe them', () => {
    const fileServerHelp = helpCommands.find((command) =>
      / run file-server -- --help$/.test(command),
    );
    const clientHelp = helpCommands.find((command) => / run client -- --help$/.test(command));
    expect(fileServerHelp, 'README.md prints the file server --help').toBeDefined();
    expect(clientHelp, 'README.md prints the client --help').toBeDefined();
    expect(where.get(fileServerHelp!)).toEqual(['README.md', 'docs/file-server.md']);
    expect(where.get(clientHelp!)).toEqual(['README.md', 'docs/client-demo.md']);
  });

  it.each(helpCommands)('%s: exits 0 with its usage, and no runtime warning', async (command) => {
    const { code, stdout, stderr } = await run(command);
    expect(code, `${command}\n${stdout}\n${stderr}`).toBe(0);
    expect(stdout).toMatch(/^portcullis-[\w-]+: /m);
    expect(stdout).toMatch(/^(Options|Commands):$/m);
    expect(`${stdout}${stderr}`).not.toMatch(/unknown command|Unsupported runtime|give --server/);
  });

  it('the README\'s "run file-server" starts the server; docs/client-demo.md\'s commands call it', async () => {
    const command = [...where.keys()].find((command) => / run file-server$/.test(command));
    expect(command, 'README.md prints "… run file-server"').toBeDefined();
    expect(where.get(command!)).toContain('README.md');
    // The default port may be taken on a machine that runs tests in parallel, and ./files is
    // the reader's: the environment variables the flags read move both, the command is as printed.
    const folder = mkdtempSync(join(tmpdir(), 'portcullis-docs-command-'));
    try {
      const { stdout, stderr } = await run(
        command!,
        { FILE_SERVER_PORT: '0', FILE_SERVER_ROOT: folder },
        /client_id=\S+ +client_secret=\S+/,
        clientDemoAgainst,
      );
      expect(stdout, stderr).toMatch(/MCP \(HTTP\) +http:\/\/127\.0\.0\.1:\d+\/mcp/);
      expect(stdout).toMatch(/MCP \(WebSocket\) +ws:\/\/127\.0\.0\.1:\d+\/mcp\/ws/);
      expect(stdout).toMatch(new RegExp(`serving +${folder}$`, 'm'));
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  /**
   * docs/client-demo.md's commands for a local file server, run against the one just started:
   * its port for 8080, the secret it printed in MCP_CLIENT_SECRET as the page says. Everything
   * else is as printed, the client id too: it must be the one the banner names.
   */
  async function clientDemoAgainst(banner: string) {
    const url = /MCP \(HTTP\) +http:\/\/(127\.0\.0\.1:\d+)\/mcp/.exec(banner)![1]!;
    const [, clientId, clientSecret] = /client_id=(\S+) +client_secret=(\S+)/.exec(banner)!;
    const commands = [...where]
      .filter(
        ([command, files]) =>
          files.includes('docs/client-demo.md') && /--server \S*127\.0\.0\.1:8080/.test(command),
      )
      .map(([command]) => command);
    expect(commands.map((command) => command.split(' -- ')[1]!.split(' ')[0])).toEqual([
      'tools',
      'whoami',
    ]);
    for (const printed of commands) {
      expect(printed).toContain(`--client-id ${clientId} `);
      const command = printed.replaceAll('127.0.0.1:8080', url);
      const { code, stdout, stderr } = await run(command, { MCP_CLIENT_SECRET: clientSecret });
      expect(code, `${printed}\n${stdout}\n${stderr}`).toBe(0);
      if (/ tools /.test(command)) expect(stdout).toMatch(/read_file/);
      if (/ whoami /.test(command))
        expect(JSON.parse(stdout.slice(stdout.indexOf('{')))).toBeTypeOf('object');
    }
  }

  it('the README\'s example with flags, "--root ~/notes --port 0", serves ~/notes on a free port', async () => {
    const command = [...where.keys()].find((command) =>
      / run file-server -- --root /.test(command),
    );
    expect(command, 'README.md prints "… run file-server -- --root …"').toBeDefined();
    const home = mkdtempSync(join(tmpdir(), 'portcullis-docs-home-'));
    try {
      // npx keeps its cache under HOME: it stays where it is, so nothing is downloaded again.
      const cache = process.env.npm_config_cache ?? join(homedir(), '.npm');
      const { stdout, stderr } = await run(
        command!,
        { HOME: home, npm_config_cache: cache },
        /MCP \(WebSocket\) +\S+/,
      );
      expect(stdout, stderr).toMatch(/MCP \(HTTP\) +http:\/\/127\.0\.0\.1:\d+\/mcp/);
      expect(stdout).toMatch(new RegExp(`serving +${home}/notes$`, 'm'));
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});
