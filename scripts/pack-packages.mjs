#!/usr/bin/env node
// Packs every publishable package (the libraries and the two command-line apps) as
// `pnpm publish` would, into one folder, each as `<scope>-<name>.tgz` without its version
// (e.g. `portcullis-core.tgz`), so the documented install lines stay the same from release to
// release. `node scripts/pack-packages.mjs [folder]` (default `tarballs/`) is how to install
// Portcullis before it is on the registry: `npm install <folder>/portcullis-core.tgz …`.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, renameSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const root = resolve(import.meta.dirname, '..');
const pnpm = ['-y', 'pnpm@10.34.9'];

/** The packages that publish: every `packages/*` and `apps/*` not marked private. */
export function publishablePackages() {
  return ['packages', 'apps']
    .flatMap((folder) => readdirSync(join(root, folder)).map((name) => join(root, folder, name)))
    .map((dir) => ({ dir, manifest: JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) }))
    .filter(({ manifest }) => manifest.private !== true);
}

/** The tarball's file name for a package name: `@portcullis/core` → `portcullis-core.tgz`. */
export function tarballName(name) {
  return `${name.replace(/^@/, '').replace('/', '-')}.tgz`;
}

/**
 * Packs every publishable package into `destination` and returns them with the absolute path
 * of each tarball. The packages are built once by turbo (from its cache when nothing changed)
 * rather than each by its `prepack` (the same `tsdown`), which is what `pnpm publish` runs.
 */
export function packPackages(destination) {
  mkdirSync(destination, { recursive: true });
  const packages = publishablePackages();
  execFileSync(
    'npx',
    [
      ...pnpm,
      'exec',
      'turbo',
      'run',
      'build',
      '--output-logs=errors-only',
      ...packages.map(({ manifest }) => `--filter=${manifest.name}`),
    ],
    { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] },
  );
  return packages.map(({ dir, manifest }) => {
    const output = execFileSync(
      'npx',
      [...pnpm, 'pack', '--config.ignore-scripts=true', '--pack-destination', destination],
      { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const packed = output.trim().split('\n').at(-1).trim();
    const tarball = join(destination, tarballName(manifest.name));
    renameSync(packed, tarball);
    return { dir, manifest, tarball };
  });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const destination = resolve(process.argv[2] ?? join(root, 'tarballs'));
  const packed = packPackages(destination);
  console.log(`packed ${packed.length} packages into ${destination}:`);
  for (const { manifest, tarball } of packed) console.log(`  ${manifest.name}: ${tarball}`);
}
