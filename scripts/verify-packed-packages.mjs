#!/usr/bin/env node
// Packs every publishable package (libraries and the two command-line apps) as `pnpm publish`
// would, installs the tarballs into a scratch project outside the workspace with npm, then
// imports every entry point at run time, type-checks an import of each with TypeScript
// (module NodeNext), and runs every command as a user would, `npx <package> --help`. Fails on
// a `workspace:` range left in a manifest, a missing file, an entry point that does not load,
// or a command that does not answer `--help`.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { packPackages, publishablePackages } from './pack-packages.mjs';

const root = resolve(import.meta.dirname, '..');
const run = (command, args, cwd) =>
  execFileSync(command, args, { cwd, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });

const packages = publishablePackages();

const scratch = mkdtempSync(join(tmpdir(), 'portcullis-packed-'));
const failures = [];
try {
  const tarballs = {};
  for (const { manifest, tarball } of packPackages(scratch)) {
    const packed = run('tar', ['-xOzf', tarball, 'package/package.json'], scratch);
    if (packed.includes('workspace:'))
      failures.push(`${manifest.name}: packed manifest still has a workspace: range`);
    tarballs[manifest.name] = `file:${tarball}`;
  }

  const specifiers = packages.flatMap(({ manifest }) =>
    Object.keys(manifest.exports ?? {})
      .filter((key) => !key.endsWith('package.json'))
      .map((key) => (key === '.' ? manifest.name : `${manifest.name}/${key.slice(2)}`)),
  );
  writeFileSync(
    join(scratch, 'package.json'),
    JSON.stringify(
      {
        name: 'scratch',
        private: true,
        type: 'module',
        dependencies: { ...tarballs, zod: '^4.0.0', '@types/node': '^20.19.0' },
        overrides: tarballs,
      },
      null,
      2,
    ),
  );
  run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], scratch);

  const runtimeCheck = specifiers
    .map(
      (specifier, index) =>
        `import * as m${index} from '${specifier}';\nif (Object.keys(m${index}).length === 0) throw new Error('${specifier} exports nothing');`,
    )
    .join('\n');
  writeFileSync(
    join(scratch, 'check.mjs'),
    `${runtimeCheck}\nconsole.log('imported ${specifiers.length} entry points');\n`,
  );
  process.stdout.write(run('node', ['check.mjs'], scratch));

  writeFileSync(
    join(scratch, 'check.ts'),
    specifiers
      .map(
        (specifier, index) =>
          `import type * as t${index} from '${specifier}';\nexport type T${index} = keyof typeof t${index};`,
      )
      .join('\n'),
  );
  writeFileSync(
    join(scratch, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        target: 'ES2023',
        strict: true,
        noEmit: true,
        types: ['node'],
      },
      files: ['check.ts'],
    }),
  );
  run(join(root, 'node_modules', '.bin', 'tsc'), ['-p', scratch], scratch);
  console.log(`type-checked ${specifiers.length} entry points from the installed tarballs`);

  for (const { manifest } of packages.filter(({ manifest }) => manifest.bin)) {
    const help = run('npx', [manifest.name, '--help'], scratch);
    if (!help.includes('--help'))
      failures.push(`npx ${manifest.name} --help printed no help:\n${help.slice(0, 500)}`);
    else console.log(`npx ${manifest.name} --help answers from the installed tarball`);
    // The command by its own name too, as a user who installed the package types it.
    for (const command of Object.keys(manifest.bin)) {
      const byName = run('npx', [command, '--help'], scratch);
      if (!byName.includes('--help'))
        failures.push(`npx ${command} --help printed no help:\n${byName.slice(0, 500)}`);
      else console.log(`npx ${command} --help answers from the installed tarball`);
    }
  }
} catch (error) {
  failures.push(error.stdout ? `${error.message}\n${error.stdout}` : error.message);
} finally {
  rmSync(scratch, { recursive: true, force: true });
}

if (failures.length > 0) {
  console.error(`packed packages are broken:\n- ${failures.join('\n- ')}`);
  process.exit(1);
}
console.log(
  `${packages.length} packages pack, install and import cleanly: ${packages.map(({ manifest }) => manifest.name).join(', ')}`,
);
