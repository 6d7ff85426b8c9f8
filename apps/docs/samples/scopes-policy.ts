// biome-ignore-all assist/source/organizeImports: the page shows the lines from the region on, with their own import
import { tools } from './support.js';
// #region policy
import { casdoorScopeImplications, createRegistry, createScopePolicy } from '@portcullis/core';

createRegistry({
  tools,
  scopePolicy: createScopePolicy({ implications: casdoorScopeImplications }),
});
// read → every *:read, write → every *:write, admin → everything
// #endregion policy
