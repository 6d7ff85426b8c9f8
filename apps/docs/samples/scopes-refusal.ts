// biome-ignore-all assist/source/organizeImports: the page shows the lines from the region on, with their own import
import { client } from './support.js';
// #region refusal
import { insufficientScopeOf } from '@portcullis/core/client';

try {
  await client.callTool({ name: 'write_file', arguments: { path: 'a.txt', content: 'x' } });
} catch (error) {
  const refusal = insufficientScopeOf(error);
  if (!refusal) throw error;
  // refusal.target === 'write_file', refusal.requiredScopes: ['files:write'],
  // refusal.scope: granted + needed as the `scope=` string to ask the authorization server for
  // (refusal.scopes: the same, one scope per entry)
}
// #endregion refusal
