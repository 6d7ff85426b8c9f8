import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { createPortcullis, createRegistry } from '@portcullis/core';
import { createFileTools } from '../src/file-tools.js';
import { DEFAULT_LIMITS } from '../src/start-file-server.js';

/** The text of a tool result's first content block. */
export const textOf = (result: unknown) =>
  (result as { content: Array<{ text: string }> }).content[0]!.text;

/** An MCP client connected in memory to the file tools serving `root` (no token involved). */
export async function connectFileTools(root: string): Promise<Client> {
  const portcullis = createPortcullis({
    resource: 'http://127.0.0.1:9/mcp',
    server: { name: 'file-tools', version: '1' },
    registry: createRegistry({ tools: createFileTools(root, DEFAULT_LIMITS) }),
    verifier: false,
    logger: { debug() {}, info() {}, warn() {}, error() {} },
  });
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await portcullis.createServer({ auth: undefined, transport: 'in-memory' }).connect(serverSide);
  const client = new Client({ name: 'file-tools', version: '1' });
  await client.connect(clientSide);
  return client;
}
