// biome-ignore-all lint/correctness/noUnusedFunctionParameters: the page shows what a handler and a prompt receive
// #region registry
import { createRegistry, definePrompt, defineResource, defineTool } from '@portcullis/core';
import { z } from 'zod';

export const registry = createRegistry({
  tools: [
    defineTool({
      name: 'write_file',
      description: 'Write a text file.',
      scopes: ['files:write'], // all of them are needed; [] = any authenticated caller
      input: z.object({ path: z.string(), content: z.string() }),
      annotations: { destructiveHint: true },
      handler: async ({ path, content }, { auth, signal, logger, reportProgress }) => {
        // ...
        return { content: [{ type: 'text', text: `wrote ${path}` }] };
      },
    }),
  ],
  resources: [
    defineResource({
      uri: 'file:///README.md',
      name: 'readme',
      scopes: ['files:read'],
      read: async (uri) => ({ contents: [{ uri: uri.href, text: '…' }] }),
    }),
  ],
  prompts: [
    definePrompt({
      name: 'review',
      scopes: ['files:read'],
      arguments: z.object({ path: z.string() }),
      get: async ({ path }) => ({ messages: [] }),
    }),
  ],
});
// #endregion registry
