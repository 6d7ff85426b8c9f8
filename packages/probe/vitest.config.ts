import { testProject } from '../../vitest.shared.ts';

export default testProject('probe', { testTimeout: 60_000 });
