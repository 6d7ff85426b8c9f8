import { testProject } from '../../vitest.shared.ts';

export default testProject('file-server', { testTimeout: 60_000, hookTimeout: 120_000 });
