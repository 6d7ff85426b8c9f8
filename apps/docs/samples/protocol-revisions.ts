import { defineTool } from '@portcullis/core';
import { z } from 'zod';

// #region input-required
defineTool({
  name: 'delete_file',
  description: 'Delete a file, after the user confirms.',
  scopes: ['files:write'],
  input: z.object({ path: z.string() }),
  handler: async ({ path }, context) => {
    const confirm = context.inputResponses?.confirm as { action?: string } | undefined;
    if (!confirm)
      return context.inputRequired(
        {
          confirm: {
            method: 'elicitation/create',
            params: {
              message: `Delete ${path}?`,
              requestedSchema: { type: 'object', properties: {} },
            },
          },
        },
        { path }, // comes back as context.requestState
      );
    if (confirm.action !== 'accept') return { content: [{ type: 'text', text: 'Kept.' }] };
    // … delete (context.requestState is { path }) …
    return { content: [{ type: 'text', text: `Deleted ${path}.` }] };
  },
});
// #endregion input-required
