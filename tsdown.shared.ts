import { defineConfig } from 'tsdown';

/** The build of every package and app: ESM for Node 20.19+, declarations, source maps. */
export function buildConfig(entry: string[] = ['src/index.ts']) {
  return defineConfig({
    entry,
    format: 'esm',
    platform: 'node',
    target: 'node20.19',
    dts: true,
    sourcemap: true,
    clean: true,
  });
}
