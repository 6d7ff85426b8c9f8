import { testProject } from '../../vitest.shared.ts';

export default testProject('fetch', { testTimeout: 120_000 });
