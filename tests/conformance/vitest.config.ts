import { testProject } from '../../vitest.shared.ts';

export default testProject('conformance', { testTimeout: 600_000, include: ['src/**/*.test.ts'] });
