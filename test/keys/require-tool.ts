import { spawnSync } from 'node:child_process';

/**
 * External tools for cross-check tests (e.g. openssl). When the tool is missing:
 * in CI (`CI=true`) the suite FAILS, so a broken CI image cannot silently skip interop checks;
 * locally the suite is skipped with a loud warning.
 */
export function toolAvailable(tool: string, versionArgs: string[] = ['version']): boolean {
  const r = spawnSync(tool, versionArgs, { encoding: 'utf8' });
  return !r.error && r.status === 0;
}

export function describeWithTool(tool: string, title: string, fn: () => void, versionArgs?: string[]): void {
  if (toolAvailable(tool, versionArgs)) {
    describe(title, fn);
    return;
  }
  const msg = `${tool} not found on PATH: "${title}" cannot run`;
  if (process.env.CI === 'true') {
    describe(title, () => {
      test(`requires ${tool}`, () => {
        throw new Error(`${msg} (CI=true, so this is a failure: install ${tool} in the CI image)`);
      });
    });
    return;
  }
  // eslint-disable-next-line no-console
  console.warn('\n!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n'
    + `!!! SKIPPED: ${msg}.\n!!! Install ${tool} to run these interop tests (they fail under CI=true).\n`
    + '!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n');
  describe.skip(title, fn);
}
