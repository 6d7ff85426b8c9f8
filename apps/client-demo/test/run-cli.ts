import { runClient } from '../src/run-client.js';

/** Runs the client as its CLI would, capturing what it prints. */
export async function client(argv: string[], env: Record<string, string>) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runClient(argv, env, {
    out: (text) => out.push(text),
    err: (text) => err.push(text),
  });
  return { code, out: out.join('\n'), err: err.join('\n') };
}
