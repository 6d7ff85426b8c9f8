// biome-ignore-all assist/source/organizeImports: the page shows the lines from the region on, with their own import
import { loadNote, noteIds } from './support.js';
// #region template
import { defineResourceTemplate } from '@portcullis/core';

defineResourceTemplate({
  uriTemplate: 'notes://{id}', // RFC 6570, matched once compiled
  name: 'note',
  scopes: ['notes:read'],
  complete: { id: (prefix) => noteIds.filter((id) => id.startsWith(prefix)) },
  read: async (uri, { id }) => ({
    contents: [{ uri: uri.href, text: await loadNote(String(id)) }],
  }),
});
// #endregion template
