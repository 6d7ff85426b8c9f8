import { testProject } from '../../vitest.shared.ts';

// Packing builds every package, and npm installs from the registry: minutes on a loaded machine.
export default testProject('first-hour', {
  testTimeout: 600_000,
  hookTimeout: 900_000,
  include: ['src/**/*.test.ts'],
});
