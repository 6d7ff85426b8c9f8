import { defineTool } from '@portcullis/core';

// #region whoami
defineTool({
  name: 'whoami',
  description: 'Says who the caller is.',
  scopes: [],
  requireAuth: true, // before the handler: TypeScript reads it first
  handler: async (_args, { auth }) => ({ content: [{ type: 'text', text: auth.subject }] }),
});
// #endregion whoami
