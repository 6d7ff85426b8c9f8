import { testProject } from '../../vitest.shared.ts';

export default testProject('core', { bench: true });
