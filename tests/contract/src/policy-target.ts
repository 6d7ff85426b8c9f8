import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseOptions, type RunningFileServer, startFileServer } from '@portcullis/file-server';
import type { MintTokenOptions } from '@portcullis/testing';
import { pino } from 'pino';

/** The server-side policies the table needs; each is a set of file server flags. */
export const POLICIES = {
  /** No rate limit, DPoP off: only the credential, expiry and scopes decide. */
  open: ['--rate-limit', 'off', '--dpop', 'off'],
  /** A rate limit of {@link RATE_LIMIT} a minute per identity. */
  limited: ['--rate-limit', '5', '--dpop', 'off'],
  /** DPoP required for every token. */
  dpop: ['--rate-limit', 'off', '--dpop', 'required'],
} as const;

/** The rate limit of the `limited` policy (per identity, per minute). */
export const RATE_LIMIT = 5;

/** A policy's name. */
export type PolicyName = keyof typeof POLICIES;

/** The real file server (HTTP and WebSocket on one port, its embedded authorization server) under one policy. */
export interface PolicyTarget {
  readonly policy: PolicyName;
  /** The flags it runs with, which a stdio child is started with too. */
  readonly args: readonly string[];
  readonly server: RunningFileServer;
  /** The served folder (a stdio child serves it too). */
  readonly root: string;
  /** Signs a token as the trusted issuer for this server: its audience, the given scopes and subject. */
  mint(options: Partial<MintTokenOptions> & { subject: string }): Promise<string>;
  close(): Promise<void>;
}

/** Starts the file server as its CLI does, on a free port, serving a fresh folder, with `args`. */
export async function startPolicyTarget(
  policy: PolicyName,
  extraArgs: readonly string[],
): Promise<PolicyTarget> {
  const root = await mkdtemp(join(tmpdir(), 'portcullis-contract-'));
  await writeFile(join(root, 'note.txt'), 'contract');
  const args = [...POLICIES[policy], ...extraArgs];
  const server = await startFileServer(
    parseOptions(['--port', '0', '--root', root, ...args], {}),
    pino({ level: 'silent' }),
  );
  const authorizationServer = server.development!.server;
  return {
    policy,
    args,
    server,
    root,
    mint: (options) =>
      authorizationServer.mintToken({
        audience: server.url,
        scopes: ['files:read', 'files:write', 'files:list'],
        ...options,
      }),
    async close() {
      await server.close();
      await rm(root, { recursive: true, force: true });
    },
  };
}

/** Starts each (policy, flags) target once, when a row first needs it, and closes them all at the end. */
export function createTargetPool() {
  const started = new Map<string, Promise<PolicyTarget>>();
  return {
    get(policy: PolicyName, extraArgs: readonly string[]): Promise<PolicyTarget> {
      const key = [policy, ...extraArgs].join(' ');
      let target = started.get(key);
      if (!target) {
        target = startPolicyTarget(policy, extraArgs);
        started.set(key, target);
      }
      return target;
    },
    async close() {
      const targets = await Promise.allSettled(started.values());
      await Promise.all(
        targets.map((target) => (target.status === 'fulfilled' ? target.value.close() : undefined)),
      );
    },
  };
}
