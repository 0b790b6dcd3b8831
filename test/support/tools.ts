import { spawnSync } from 'node:child_process';

/**
 * Integration tests that need an external tool: under CI (CI=true) a missing tool fails the
 * test; locally it is skipped with a loud message, never silently.
 */
export function haveTool(cmd: string, args: string[] = ['--version']): boolean {
  const r = spawnSync(cmd, args, { stdio: 'ignore' });
  return r.error === undefined;
}

export function describeWithTool(tool: string, name: string, fn: () => void, probeArgs: string[] = ['version']): void {
  if (haveTool(tool, probeArgs)) {
    describe(name, fn);
  } else if (process.env.CI === 'true') {
    describe(name, () => {
      test(`requires ${tool}`, () => {
        throw new Error(`${tool} is not installed, but CI=true: .ci/run must install it`);
      });
    });
  } else {
    // eslint-disable-next-line no-console
    console.warn(`\n!!! SKIPPING "${name}": ${tool} is not installed (install it; CI fails without it) !!!\n`);
    describe.skip(name, fn);
  }
}
