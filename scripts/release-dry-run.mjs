#!/usr/bin/env node
// The release, rehearsed without publishing: in a throwaway git worktree of HEAD, applies the
// pending changesets (`changeset version`: versions and changelogs), installs offline from the
// store, builds, and runs `pnpm publish --dry-run` for every public package. Fails when a
// package would publish a version other than the changesets plan, keeps a `workspace:`
// range, or has no changelog entry for its new version. Nothing is written to the registry
// or to this checkout.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const pnpm = ['-y', 'pnpm@10.34.9'];
const changeset = join(root, 'node_modules', '@changesets', 'cli', 'bin.js');
const run = (command, args, cwd, env = {}) =>
  execFileSync(command, args, {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
    maxBuffer: 64 << 20,
  });

const scratch = mkdtempSync(join(tmpdir(), 'portcullis-release-'));
const worktree = join(scratch, 'repo');
const failures = [];
try {
  run('git', ['worktree', 'add', '--detach', worktree, 'HEAD'], root);
  const planFile = join(scratch, 'plan.json');
  run(process.execPath, [changeset, 'status', '--output', planFile], worktree);
  const plan = JSON.parse(readFileSync(planFile, 'utf8'));
  const planned = new Map(plan.releases.map((release) => [release.name, release.newVersion]));
  run(process.execPath, [changeset, 'version'], worktree);

  run('npx', [...pnpm, 'install', '--frozen-lockfile', '--offline'], worktree);
  run('npx', [...pnpm, 'exec', 'turbo', 'run', 'build', '--output-logs=errors-only'], worktree);

  const publishable = ['packages', 'apps']
    .flatMap((folder) =>
      readdirSync(join(worktree, folder)).map((name) => join(worktree, folder, name)),
    )
    .map((dir) => ({ dir, manifest: JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) }))
    .filter(({ manifest }) => manifest.private !== true);

  for (const { dir, manifest } of publishable) {
    const expected = planned.get(manifest.name) ?? manifest.version;
    if (manifest.version !== expected)
      failures.push(`${manifest.name}: version ${manifest.version}, planned ${expected}`);
    if (planned.has(manifest.name)) {
      const changelog = readFileSync(join(dir, 'CHANGELOG.md'), 'utf8');
      if (!changelog.includes(`## ${expected}`))
        failures.push(`${manifest.name}: CHANGELOG.md has no entry for ${expected}`);
    }
    const report = run('npx', [...pnpm, 'publish', '--dry-run', '--no-git-checks', '--json'], dir);
    const packed = JSON.parse(report.slice(report.indexOf('{')))[manifest.name] ?? {};
    if (packed.name !== manifest.name || packed.version !== expected)
      failures.push(`${manifest.name}: would publish ${packed.name}@${packed.version}`);
    const manifestInTarball = run('npx', [...pnpm, 'pack', '--pack-destination', scratch], dir)
      .trim()
      .split('\n')
      .at(-1)
      .trim();
    const packedManifest = run(
      'tar',
      ['-xOzf', manifestInTarball, 'package/package.json'],
      scratch,
    );
    if (packedManifest.includes('workspace:'))
      failures.push(`${manifest.name}: the published manifest keeps a workspace: range`);
    console.log(
      `${manifest.name}@${expected}: ${packed.files?.length ?? '?'} files, ${packed.size ?? '?'} bytes${planned.has(manifest.name) ? ` (${plan.releases.find((r) => r.name === manifest.name).type})` : ' (no change)'}`,
    );
  }
} catch (error) {
  failures.push(`${error.message}\n${error.stdout ?? ''}\n${error.stderr ?? ''}`);
} finally {
  try {
    run('git', ['worktree', 'remove', '--force', worktree], root);
  } catch {
    // Already gone.
  }
  rmSync(scratch, { recursive: true, force: true });
}

if (failures.length > 0) {
  console.error(failures.join('\n'));
  process.exit(1);
}
console.log('the release would publish the versions above; nothing was published');
