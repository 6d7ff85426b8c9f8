import { type ChildProcess, spawn } from 'node:child_process';

/** How a shell script ended, with everything it printed. */
export interface ShellRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

const running = new Set<ChildProcess>();

/**
 * Runs `script` with `sh -e` in `cwd`, in its own process group so that whatever it starts is
 * stopped with it. With `until`, the script is stopped (SIGTERM to the group) once its stdout
 * matches and `whileRunning` (given that stdout) has settled: how a server is run against.
 */
export function runShell(
  script: string,
  cwd: string,
  env: NodeJS.ProcessEnv = {},
  until?: { stdout: RegExp; whileRunning: (stdout: string) => Promise<void> },
): Promise<ShellRun> {
  return new Promise((resolve, reject) => {
    let failure: unknown;
    let ready = false;
    const child = spawn('sh', ['-e', '-c', script], {
      cwd,
      env: { ...process.env, ...env, FORCE_COLOR: '0', NO_COLOR: '1' },
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    running.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (chunk) => {
      stdout += chunk;
      if (ready || !until?.stdout.test(stdout)) return;
      ready = true;
      until
        .whileRunning(stdout)
        .catch((error: unknown) => {
          failure = error;
        })
        .finally(() => stopShell(child));
    });
    child.stderr!.on('data', (chunk) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => {
      running.delete(child);
      if (failure) reject(failure);
      else resolve({ code, stdout, stderr });
    });
  });
}

/** Stops a script's whole process group. */
function stopShell(child: ChildProcess): void {
  try {
    if (child.pid !== undefined) process.kill(-child.pid, 'SIGTERM');
  } catch {
    // Already gone.
  }
}

/** Stops every script still running (a test that failed half-way). */
export function stopAllShells(): void {
  for (const child of running) stopShell(child);
}
