// biome-ignore-all assist/source/organizeImports: the page shows the lines from the region on, with their own import
import { client } from './support.js';
// #region unauthorized
import { unauthorizedOf } from '@portcullis/core/client';

try {
  await client.listTools();
} catch (error) {
  const refusal = unauthorizedOf(error);
  if (!refusal) throw error;
  // refusal.message: the server's error_description, e.g. 'token has expired';
  // refusal.error: 'invalid_token' when the challenge said so. Get a new token and retry.
  console.error(`refused: ${refusal.message}`);
}
// #endregion unauthorized
