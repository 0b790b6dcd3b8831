import * as path from 'node:path';
import { ImageSigningBlueprint } from '../../blueprint';
import { locatedConfigError } from '../../checks/config-findings';
import { ConfigError } from '../../config/problems';
import { CliIo } from '../io';
import { trackedPrivateKeys } from '../tracked-keys';

export interface SynthOptions {
  readonly config?: string;
  readonly out?: string;
  /** overwrite files in the output folder that synth did not write or that were edited */
  readonly force?: boolean;
}

/**
 * `synth`: validates the config, renders every artifact and writes them (all or nothing). Refuses
 * (exit 1, nothing written) to clobber files it did not write, unless `--force`.
 */
export async function synthCommand(opts: SynthOptions, io: CliIo): Promise<number> {
  const configFile = path.resolve(io.cwd, opts.config ?? 'blueprint.yaml');
  const outdir = path.resolve(io.cwd, opts.out ?? 'dist');
  let bp: ImageSigningBlueprint;
  try {
    bp = ImageSigningBlueprint.fromFile(configFile);
  } catch (e) {
    // the refusal with each problem's rule id, file and line
    if (e instanceof ConfigError) throw locatedConfigError(e, configFile, (abs) => path.relative(io.cwd, abs).split(path.sep).join('/') || path.basename(abs));
    throw e;
  }
  bp._useEnvironment(io.env);
  const result = bp.synth(outdir, { force: opts.force === true });
  const warnings = bp.check().filter((f) => f.level === 'warning' && !f.suppressed);
  for (const w of warnings) io.err(`warning ${w.id}: ${w.path ? `${w.path}: ` : ''}${w.message}\n  fix: ${w.fix}\n`);
  const keyFile = bp._model().signing.key?.privateKeyFile;
  for (const f of trackedPrivateKeys(path.dirname(configFile), keyFile ? [keyFile] : [])) {
    io.err(`warning: ${path.relative(io.cwd, f) || f} is tracked by git: a private signing key must never be committed
`
      + `  fix: git rm --cached ${path.relative(io.cwd, f) || f}, add it to .gitignore, and rotate the key if it was ever pushed
`);
  }
  const rel = path.relative(io.cwd, outdir) || '.';
  io.out(`synthesized ${bp.name} into ${rel}/ (${result.files.length} files)\n`);
  for (const f of result.files) io.out(`  ${rel}/${f}\n`);
  return 0;
}
