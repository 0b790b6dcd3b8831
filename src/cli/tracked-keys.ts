import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * Private key files next to the config that git tracks: each one is a leaked signing key once
 * pushed. Looks at `cosign.key` beside the config and the config's `privateKeyFile`s. Silent when
 * git is missing or the folder is not a work tree (nothing to warn about then).
 */
export function trackedPrivateKeys(configDir: string, candidates: readonly string[]): string[] {
  const files = [...new Set([path.join(configDir, 'cosign.key'), ...candidates.map((c) => path.resolve(configDir, c))])]
    .filter((f) => fs.existsSync(f));
  return files.filter((f) => {
    const r = spawnSync('git', ['ls-files', '--error-unmatch', '--', path.basename(f)], { cwd: path.dirname(f), stdio: 'ignore' });
    return r.error === undefined && r.status === 0;
  });
}
