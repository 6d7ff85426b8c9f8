import type { Portcullis } from '@portcullis/core';
import { runStdioServer } from '@portcullis/stdio';

export async function serve(portcullis: Portcullis) {
  // #region run
  await runStdioServer(portcullis); // token from MCP_ACCESS_TOKEN
  // #endregion run
}
