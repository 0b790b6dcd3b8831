import * as path from 'node:path';
import { ImageSigningBlueprint } from '../../blueprint';
import { locatedConfigError } from '../../checks/config-findings';
import { ConfigError } from '../../config/problems';
import { BlueprintError } from '../../errors';
import { sealedBoxReady, sealingNeeded } from '../../github/sealed-box';
import { MIN_STACKS_PER_WORKER } from '../../synth/terraform-workers';
import { CliIo } from '../io';
import { trackedPrivateKeys } from '../tracked-keys';

export interface SynthOptions {
  readonly config?: string;
  readonly out?: string;
  /** overwrite files in the output folder that synth did not write or that were edited */
  readonly force?: boolean;
  /** threads (`--jobs N`) */
  readonly jobs?: string | number;
  /** false with `--no-cache` */
  readonly cache?: boolean;
}

/**
 * `synth`: validates the config, renders every artifact and writes those whose bytes changed (all
 * or nothing), removes the files an earlier synth wrote that are no longer produced, and reports
 * "N written, M unchanged, K removed". Refuses (exit 1, nothing written) to clobber or remove files
 * it did not write or that were edited since, unless `--force`.
 */
export async function synthCommand(opts: SynthOptions, io: CliIo): Promise<number> {
  const configFile = path.resolve(io.cwd, opts.config ?? 'blueprint.yaml');
  const outdir = path.resolve(io.cwd, opts.out ?? 'dist');
  const jobs = opts.jobs === undefined ? 1 : Number(opts.jobs);
  if (!Number.isInteger(jobs) || jobs < 1 || jobs > 64) {
    throw new BlueprintError('INVALID_OPTION', `--jobs ${opts.jobs}: not a whole number from 1 to 64`, { fix: 'pass --jobs 1 (one thread, the default) or --jobs 2' });
  }
  let bp: ImageSigningBlueprint;
  try {
    bp = ImageSigningBlueprint.fromFile(configFile);
  } catch (e) {
    // the refusal with each problem's rule id, file and line
    if (e instanceof ConfigError) throw locatedConfigError(e, configFile, (abs) => path.relative(io.cwd, abs).split(path.sep).join('/') || path.basename(abs));
    throw e;
  }
  bp._useEnvironment(io.env);
  // libsodium (WebAssembly, ~50 ms to load) loads asynchronously; synth seals actionsPublicKey secrets synchronously
  if (sealingNeeded(bp._model())) await sealedBoxReady();
  const result = bp.synth(outdir, { force: opts.force === true, jobs, cache: opts.cache !== false });
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
  io.out(`synthesized ${bp.name} into ${rel}/ (${result.files.length} files): ${result.written.length} written, ${result.unchanged.length} unchanged, ${result.removed.length} removed\n`);
  if (result.reused.length + result.rendered.length > 0) io.out(`render cache: ${result.reused.length} files reused, ${result.rendered.length} rendered\n`);
  const par = bp._render().terraformInWorkers;
  if (jobs > 1) io.out(`--jobs ${jobs}: ${par?.stacks ?? 0} Terraform stacks synthesized in ${par?.threads ?? 0} worker threads${par?.threads ? '' : ` (workers need ${MIN_STACKS_PER_WORKER * 2} stacks to render, no stack customizers, and the compiled library)`}\n`);
  for (const f of result.written) io.out(`  written ${rel}/${f}\n`);
  for (const f of result.removed) io.out(`  removed ${rel}/${f}\n`);
  return 0;
}
