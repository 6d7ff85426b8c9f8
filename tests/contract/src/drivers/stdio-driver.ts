import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { eitherForm, IN_BAND_TRANSLATION, readInBand } from '../in-band-refusal.js';
import { openListen } from '../listen-in-band.js';
import type { Answer, Connection, Era, Refusal, TransportDriver } from '../transport-driver.js';
import {
  INITIALIZED,
  initializeRequest,
  type RpcAnswer,
  type RpcRequest,
  request,
} from '../wire.js';

/** The file server app's folder: its CLI runs from source with tsx. */
const APP_DIR = dirname(
  createRequire(import.meta.url).resolve('@portcullis/file-server/package.json'),
);

/**
 * stdio: the file server CLI as a child process with the token in `MCP_ACCESS_TOKEN` (the one
 * credential that can travel) and the target's policy flags. A refused start is one
 * `portcullis: …` line on stderr and exit code 1; afterwards each message is admitted in band.
 * No proof can travel, so DPoP required refuses to start.
 */
export function stdioDriver(era: Era): TransportDriver {
  return {
    name: `stdio ${era}`,
    era,
    serverArgs: [],
    // The start is one admission; a 2025 initialize is one more message.
    connectCost: era === '2025-06-18' ? 2 : 1,
    carriesProofs: false,
    reauthenticates: false,
    // At the start, exit code 1 and one stderr line; afterwards, a JSON-RPC error.
    translation: {
      ...IN_BAND_TRANSLATION,
      'two-credentials': /^-32600 /,
      unauthorized: eitherForm(
        /^exit 1: portcullis: (MCP_ACCESS_TOKEN was refused|no access token)/,
        IN_BAND_TRANSLATION.unauthorized,
      ),
      'dpop-required':
        /^exit 1: portcullis: this resource requires DPoP, and no DPoP proof can travel over stdio/,
    },
    twoCredentials: [],
    async connect(target, credential) {
      if (credential?.dpop) throw new Error('no DPoP proof can travel over stdio');
      const child = spawn(
        process.execPath,
        [
          '--conditions=@portcullis/source',
          '--import',
          'tsx',
          join(APP_DIR, 'src', 'cli.ts'),
          '--stdio',
          '--issuer',
          target.server.issuer,
          '--resource',
          target.server.url,
          '--root',
          target.root,
          ...target.args,
        ],
        {
          cwd: APP_DIR,
          env: {
            PATH: process.env.PATH ?? '',
            ...(credential && { MCP_ACCESS_TOKEN: credential.token }),
          },
        },
      );
      let stderr = '';
      child.stderr.on('data', (chunk) => {
        stderr += chunk;
      });
      const ended = new Promise<string>((resolve) =>
        child.once('exit', (code) => resolve(`exit ${code}: ${portcullisLine(stderr)}`)),
      );
      const answers = new Map<number | string, (answer: RpcAnswer) => void>();
      const watchers = new Set<(message: RpcAnswer) => void>();
      let pending = '';
      child.stdout.on('data', (chunk: Buffer) => {
        pending += chunk.toString('utf8');
        for (let newline = pending.indexOf('\n'); newline !== -1; newline = pending.indexOf('\n')) {
          const answer = JSON.parse(pending.slice(0, newline)) as RpcAnswer;
          pending = pending.slice(newline + 1);
          if (answer.id !== undefined && answer.id !== null) answers.get(answer.id)?.(answer);
          for (const watch of watchers) watch(answer);
        }
      });
      // A start refused: the child exits without answering; its stderr line is the translation.
      const gone = ended.then((end): Answer => ({ ok: false, refusal: startRefusal(end) }));
      gone.catch(() => {});
      const send = (message: RpcRequest) =>
        Promise.race([
          new Promise<Answer>((resolve, reject) => {
            answers.set(message.id, (answer) => {
              try {
                resolve(readInBand(answer));
              } catch (error) {
                reject(error);
              }
            });
            child.stdin.write(`${JSON.stringify(message)}\n`);
          }),
          gone,
        ]);
      const stop = async () => {
        child.stdin.end();
        await ended;
      };
      if (era === '2025-06-18') {
        const initialized = await send(initializeRequest());
        if (!initialized.ok) {
          await stop();
          return initialized;
        }
        child.stdin.write(`${JSON.stringify(INITIALIZED)}\n`);
      }
      const connection: Connection = {
        call: (method, params) => send(request(era, method, params)),
        ...(era === '2026-07-28' && {
          listen: (uris: readonly string[]) =>
            openListen(uris, gone, (message, watch) => {
              watchers.add(watch);
              child.stdin.write(`${JSON.stringify(message)}\n`);
              return (cancel) => child.stdin.write(`${JSON.stringify(cancel)}\n`);
            }),
        }),
        ended,
        close: stop,
      };
      return { ok: true, connection };
    },
  };
}

/** The one line a refused start writes on stderr. */
function portcullisLine(stderr: string): string {
  return stderr.split('\n').find((line) => line.startsWith('portcullis: ')) ?? stderr.slice(-300);
}

/** Reads a refused start: exit code 1 and one `portcullis: …` line saying why. */
function startRefusal(end: string): Refusal {
  if (!end.startsWith('exit 1: portcullis: '))
    throw new Error(`the stdio server ended in a way no policy row expects: ${end}`);
  if (/requires DPoP, and no DPoP proof can travel over stdio/.test(end))
    return { kind: 'dpop-required', wire: end };
  if (/too many requests/i.test(end)) return { kind: 'rate-limited', wire: end };
  if (/portcullis: (MCP_ACCESS_TOKEN was refused|no access token)/.test(end))
    return { kind: 'unauthorized', wire: end };
  throw new Error(`a stdio start refusal no policy row expects: ${end}`);
}
