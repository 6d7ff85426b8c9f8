import { testProject } from '../../vitest.shared.ts';

export default testProject('redis', { testTimeout: 30_000 });
