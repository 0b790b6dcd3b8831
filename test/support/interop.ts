import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * The real tools built by `interop/build.sh` (npm run interop:build) from the Go modules pinned in
 * interop/*\/go.mod: cosign-v2, cosign-v3, cosign-v3.0, crane, registry, referrers-registry, tofu,
 * terraform-provider-github, kyverno-1.16, kyverno-1.19, policy-tester. They live in
 * $INTEROP_BIN when set (.ci/run sets it to a machine cache), else in interop/bin/.
 */
export type InteropTool =
  | 'cosign-v2' | 'cosign-v3' | 'cosign-v3.0' | 'crane' | 'registry' | 'referrers-registry' | 'tofu' | 'terraform-provider-github'
  | 'kyverno-1.16' | 'kyverno-1.19' | 'policy-tester';

export function interopBinDir(): string {
  return process.env.INTEROP_BIN ?? path.resolve(__dirname, '..', '..', 'interop', 'bin');
}

/** The path of a built tool, or undefined when it is not built. */
export function interopTool(name: InteropTool): string | undefined {
  const p = path.join(interopBinDir(), name);
  try {
    fs.accessSync(p, fs.constants.X_OK);
    return p;
  } catch {
    return undefined;
  }
}

/** Like interopTool, but throws a clear error when the tool is missing. */
export function requireInteropTool(name: InteropTool): string {
  const p = interopTool(name);
  if (!p) throw new Error(`${name} is not built in ${interopBinDir()}: run \`npm run interop:build\` (interop/build.sh)`);
  return p;
}

/**
 * A describe block that needs real tools: with all of them built it runs; with CI=true a missing
 * tool fails the block; locally it is skipped with one loud line, never silently.
 */
export function describeWithInterop(tools: InteropTool[], name: string, fn: () => void): void {
  const missing = tools.filter((t) => !interopTool(t));
  if (missing.length === 0) {
    describe(name, fn);
  } else if (process.env.CI === 'true') {
    describe(name, () => {
      test(`requires ${missing.join(', ')}`, () => {
        throw new Error(`${missing.join(', ')} not built in ${interopBinDir()}, but CI=true: .ci/run must run interop/build.sh`);
      });
    });
  } else {
    // eslint-disable-next-line no-console
    console.warn(`\n!!! SKIPPING "${name}": ${missing.join(', ')} not built in ${interopBinDir()} (npm run interop:build; CI fails without them) !!!\n`);
    describe.skip(name, fn);
  }
}
