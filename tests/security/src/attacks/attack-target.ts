import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseOptions, type RunningFileServer, startFileServer } from '@portcullis/file-server';
import type { AuthorizationServer, MintTokenOptions } from '@portcullis/testing';
import { expect } from 'vitest';
import { type CapturedLog, captureLog, type LogLine } from './captured-log.js';
import { treeDigest } from './tree-digest.js';

/** The content of a file outside the served folder; it must never reach a caller or a log. */
export const OUTSIDE_SECRET = 'outside-secret-7f3a9c';
/** The content of a file inside the served folder, readable with `files:read`. */
export const CANARY = 'canary-inside-2b81e4';

/** What an attack may leave behind in the audit trail. */
export type ToolOutcome =
  /** No tool, resource or prompt handler ran (the default). */
  | 'none'
  /** Handlers may have run, but each reported an error result. */
  | 'failed'
  /** Handlers may have run (a legitimate call made alongside the attack). */
  | 'any';

/** The real file server under attack, with its embedded development authorization server. */
export interface AttackTarget {
  readonly server: RunningFileServer;
  readonly authorizationServer: AuthorizationServer;
  /** The served folder: `notes/canary.txt` holds {@link CANARY}. */
  readonly root: string;
  /** A folder next to the served one: `secret.txt` holds {@link OUTSIDE_SECRET}. */
  readonly outside: string;
  readonly log: CapturedLog;
  /** The tokens the server printed, issued through the real client credentials grant. */
  readonly tokens: { readOnly: string; readWrite: string };
  /** Signs a token as the trusted issuer: audience the MCP URL and read-write scopes unless overridden. */
  mint(options?: Partial<MintTokenOptions>): Promise<string>;
  /**
   * Runs `attack` and then checks that it did no harm: neither the served folder nor the one
   * next to it changed, no handler ran (or each failed, with `tools: 'failed'`), nothing was
   * logged at error level, and no token or outside content reached the log. Returns the log
   * lines written meanwhile.
   */
  unharmed(attack: () => Promise<void>, options?: { tools?: ToolOutcome }): Promise<LogLine[]>;
  close(): Promise<void>;
}

/** Every token handed out by a target, to prove none is ever logged. */
const issued = new Set<string>();

/** Remembers a token that must never appear in a log (when long enough to be telling); returns it. */
export function secretToken(token: string): string {
  if (token.length >= 24) issued.add(token);
  return token;
}

/**
 * Starts the file server exactly as its CLI does (`startFileServer(parseOptions(args))`, the
 * embedded authorization server, a free port), serving a fresh folder with a canary file next
 * to a folder holding an outside secret. `args` add flags such as `--rate-limit`.
 */
export async function startAttackTarget(args: readonly string[] = []): Promise<AttackTarget> {
  const base = await mkdtemp(join(tmpdir(), 'portcullis-attack-'));
  const root = join(base, 'root');
  const outside = join(base, 'outside');
  await mkdir(join(root, 'notes'), { recursive: true });
  await mkdir(outside);
  await writeFile(join(root, 'notes', 'canary.txt'), CANARY);
  await writeFile(join(outside, 'secret.txt'), OUTSIDE_SECRET);
  const log = captureLog();
  const server = await startFileServer(
    parseOptions(['--port', '0', '--root', root, ...args], {}),
    log.logger,
  );
  const development = server.development!;
  secretToken(development.tokens.readOnly);
  secretToken(development.tokens.readWrite);
  const authorizationServer = development.server;

  return {
    server,
    authorizationServer,
    root,
    outside,
    log,
    tokens: development.tokens,
    async mint(options = {}) {
      return secretToken(
        await authorizationServer.mintToken({
          audience: server.url,
          scopes: ['files:read', 'files:write', 'files:list'],
          ...options,
        }),
      );
    },
    async unharmed(attack, { tools = 'none' } = {}) {
      const before = [await treeDigest(root), await treeDigest(outside)];
      const from = log.lines.length;
      await attack();
      const written = log.lines.slice(from);
      expect([await treeDigest(root), await treeDigest(outside)]).toEqual(before);
      const ran = written.filter((line) => line.msg === 'access_allowed');
      if (tools === 'none') expect(ran).toEqual([]);
      else if (tools === 'failed')
        for (const line of ran) expect((line.audit as { failed?: boolean }).failed).toBe(true);
      expect(written.filter((line) => Number(line.level) >= 50)).toEqual([]);
      const text = log.text();
      expect(text).not.toContain(OUTSIDE_SECRET);
      for (const token of issued) expect(text).not.toContain(token);
      return written;
    },
    async close() {
      await server.close();
      await rm(base, { recursive: true, force: true });
    },
  };
}
