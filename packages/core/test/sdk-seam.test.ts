import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createServerChannel, type MessageSink } from '../src/adapter.js';
import {
  type AuthInfo,
  createPortcullis,
  createRegistry,
  defineTool,
  type JSONRPCMessage,
} from '../src/index.js';

/**
 * The sdk-seam canary. A modern (2026-07-28) server channel binds the SDK's `Server` to the
 * stateless revision by connecting it through a subclass of the SDK's public
 * `PerRequestHTTPServerTransport`: `Server.connect` recognises that class (an `instanceof`
 * inside the SDK) and reads the revision from its `classification`. The subclass keeps the
 * transport connected for every request instead of one exchange. No other public seam binds a
 * server to a revision (checked in `@modelcontextprotocol/server` 2.4.0), so an SDK upgrade
 * that changes this recognition breaks modern-era serving: these cases say so by name. See
 * docs/contributing.md, "Upgrading the MCP SDK".
 */

const caller: AuthInfo = {
  token: 't',
  clientId: 'c',
  scopes: ['echo'],
  expiresAt: Math.floor(Date.now() / 1000) + 600,
  issuer: 'https://issuer.example',
  subject: 'canary',
  claims: {},
};

const MODERN_META = {
  'io.modelcontextprotocol/protocolVersion': '2026-07-28',
  'io.modelcontextprotocol/clientCapabilities': {},
};

function portcullis() {
  return createPortcullis({
    resource: 'https://mcp.example.test/mcp',
    server: { name: 'canary', version: '1' },
    registry: createRegistry({
      tools: [
        defineTool({
          name: 'echo',
          description: 'Echoes its text and who asked.',
          scopes: ['echo'],
          input: z.object({ text: z.string() }),
          handler: ({ text }, { auth, era }) => ({
            content: [{ type: 'text', text: `${auth?.subject}:${text}:${era}` }],
          }),
        }),
      ],
    }),
    verifier: { verify: async () => caller },
    authorizationServers: ['https://issuer.example'],
  });
}

/** A channel of `era` to a fresh server of the canary's resource. */
const channelOf = (era: 'modern' | 'legacy') =>
  createServerChannel(portcullis().createServer({ auth: undefined, transport: 'canary' }), { era });

/** Sends one request through `channel` and resolves its answer. */
function ask(
  channel: Awaited<ReturnType<typeof createServerChannel>>,
  message: JSONRPCMessage,
): Promise<Record<string, unknown>> {
  return new Promise((resolve) => {
    const sink: MessageSink = {
      send: (answer) => {
        if ('id' in answer) resolve(answer as Record<string, unknown>);
      },
    };
    channel.dispatch(message, { auth: caller, sink });
  });
}

describe('sdk-seam canary', () => {
  it('a 2026-07-28 call works through a modern server channel, with no initialize', async () => {
    const channel = await channelOf('modern');
    try {
      const discovered = await ask(channel, {
        jsonrpc: '2.0',
        id: 1,
        method: 'server/discover',
        params: { _meta: MODERN_META },
      });
      expect(discovered.result).toMatchObject({
        supportedVersions: expect.arrayContaining(['2026-07-28']),
      });
      const called = await ask(channel, {
        jsonrpc: '2.0',
        id: 2,
        method: 'tools/call',
        params: { name: 'echo', arguments: { text: 'hi' }, _meta: MODERN_META },
      });
      expect(called.result).toMatchObject({
        resultType: 'complete',
        content: [{ type: 'text', text: 'canary:hi:modern' }],
      });
    } finally {
      await channel.close();
    }
  });

  it('one modern channel keeps serving: many exchanges through the one per-request transport', async () => {
    const channel = await channelOf('modern');
    try {
      const answers = await Promise.all(
        Array.from({ length: 5 }, (_, id) =>
          ask(channel, {
            jsonrpc: '2.0',
            id,
            method: 'tools/call',
            params: { name: 'echo', arguments: { text: String(id) }, _meta: MODERN_META },
          }),
        ),
      );
      expect(answers.map((answer) => answer.id)).toEqual([0, 1, 2, 3, 4]);
      for (const [id, answer] of answers.entries())
        expect(answer.result).toMatchObject({
          content: [{ type: 'text', text: `canary:${id}:modern` }],
        });
    } finally {
      await channel.close();
    }
  });

  it('without the seam (a plain SDK transport), the same call gets a 2025-shaped answer', async () => {
    const channel = await channelOf('legacy');
    try {
      const called = await ask(channel, {
        jsonrpc: '2.0',
        id: 1,
        method: 'tools/call',
        params: { name: 'echo', arguments: { text: 'hi' }, _meta: MODERN_META },
      });
      // Served, but not as 2026-07-28: no `resultType`, the mark of the bound revision.
      expect(called.result).toBeDefined();
      expect(called.result).not.toHaveProperty('resultType');
    } finally {
      await channel.close();
    }
  });
});
