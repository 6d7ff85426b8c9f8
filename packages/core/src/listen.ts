import type { AddressInfo, Server } from 'node:net';

/** Where a server ended up listening. */
export interface ListeningAddress {
  /** `http://127.0.0.1:8080` (or `https://…`), with the port actually bound. */
  origin: string;
  host: string;
  port: number;
}

/** Starts `server` listening on `host` and `port` (0: a free one) and tells where it landed. */
export async function listen(
  server: Server,
  host: string,
  port: number,
  scheme: 'http' | 'https' = 'http',
): Promise<ListeningAddress> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = (server.address() as AddressInfo).port;
  return {
    origin: `${scheme}://${host.includes(':') ? `[${host}]` : host}:${bound}`,
    host,
    port: bound,
  };
}
