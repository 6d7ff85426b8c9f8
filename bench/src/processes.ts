import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const BENCH_DIR = fileURLToPath(new URL('..', import.meta.url));

/** A child process of the harness, spoken to over IPC with numbered requests. */
export class Child {
  readonly #pending = new Map<number, { resolve(value: unknown): void; reject(e: Error): void }>();
  #seq = 0;
  readonly ready: Promise<Record<string, unknown>>;
  readonly exited: Promise<number | null>;

  constructor(readonly process: ChildProcess) {
    this.exited = new Promise((resolve) => process.once('exit', (code) => resolve(code)));
    this.ready = new Promise((resolve, reject) => {
      process.on('message', (message: Record<string, unknown>) => {
        if (message.type === 'ready') resolve(message);
        const waiter = this.#pending.get(message.seq as number);
        if (!waiter) return;
        this.#pending.delete(message.seq as number);
        if (typeof message.error === 'string') waiter.reject(new Error(message.error));
        else waiter.resolve(message);
      });
      void this.exited.then((code) => {
        const error = new Error(`child exited (${code})`);
        reject(error);
        for (const waiter of this.#pending.values()) waiter.reject(error);
        this.#pending.clear();
      });
    });
  }

  request<T>(message: Record<string, unknown>): Promise<T> {
    const seq = ++this.#seq;
    return new Promise<T>((resolve, reject) => {
      this.#pending.set(seq, { resolve: resolve as (value: unknown) => void, reject });
      this.process.send({ ...message, seq });
    });
  }

  /** Lets the child exit by itself (it exits on disconnect, writing any CPU profile). */
  async stop(): Promise<void> {
    if (this.process.exitCode !== null) return;
    if (this.process.connected) this.process.disconnect();
    const timer = setTimeout(() => this.process.kill('SIGKILL'), 5_000);
    await this.exited;
    clearTimeout(timer);
  }
}

/**
 * The Node.js flags that load a bench script (TypeScript, through tsx) and the workspace
 * packages: their built `dist`, what users install, unless `fromSource` asks for their
 * TypeScript sources (the `@portcullis/source` export condition; no build needed, but tsx's
 * transform wraps every named function in a `__name` call, which costs CPU per request and
 * memory per connection the published packages do not).
 */
export function loaderFlags(fromSource: boolean): string[] {
  return [...(fromSource ? ['--conditions=@portcullis/source'] : []), '--import', 'tsx'];
}

/** Starts `script` (TypeScript, from this folder), with the packages as {@link loaderFlags} says. */
export function startChild(
  script: string,
  options: { env?: Record<string, string>; nodeOptions?: string[]; fromSource: boolean },
): Child {
  const child = spawn(
    process.execPath,
    [
      ...loaderFlags(options.fromSource),
      ...(options.nodeOptions ?? []),
      fileURLToPath(new URL(script, import.meta.url)),
    ],
    {
      cwd: BENCH_DIR,
      env: { PATH: process.env.PATH ?? '', ...options.env },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    },
  );
  return new Child(child);
}
