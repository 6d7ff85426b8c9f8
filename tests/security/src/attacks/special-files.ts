import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { promisify } from 'node:util';

/** Creates a FIFO at `path` with the system's `mkfifo` (Node has no call for it). */
export async function mkfifo(path: string): Promise<void> {
  await promisify(execFile)('mkfifo', [path]);
}

/** Listens on a unix socket at `path`; close the returned server to remove it. */
export function listenUnixSocket(path: string): Promise<Server> {
  const server = createServer();
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => resolve(server));
  });
}
