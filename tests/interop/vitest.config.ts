import { testProject } from '../../vitest.shared.ts';

export default testProject('interop', { testTimeout: 600_000, include: ['src/**/*.test.ts'] });
