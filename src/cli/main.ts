import { Command, CommanderError, Option } from 'commander';
import { ChecksFailedError } from '../checks/errors';
import { ConfigError } from '../config/problems';
import { BlueprintError } from '../errors';
import { CliIo, processIo } from './io';

/*
 * Each command's module is loaded when the command runs (a synth does not load the registry
 * client, sigstore or the key tools: ~0.1-0.2 s of a process's start).
 */
/* eslint-disable @typescript-eslint/no-require-imports */

/** Exit codes: 0 ok, 1 bad config / failed checks / failed verification, 2 usage error. */
export const EXIT = { OK: 0, FAILED: 1, USAGE: 2 } as const;

type Handler = () => Promise<number>;

export function buildProgram(io: CliIo, run: (h: Handler) => void): Command {
  const program = new Command('image-signing-blueprint')
    .description('Sign container images in GitHub Actions with cosign and enforce the signatures at admission, from one config.')
    .option('--debug', 'print stack traces on errors')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) });

  program.command('init')
    .description('write a commented starter config')
    .addOption(new Option('--mode <mode>', 'signing mode').choices(['key', 'keyless']).default('key'))
    .option('--out <file>', 'where to write the config', 'blueprint.yaml')
    .option('--owner <owner>', 'GitHub owner', 'acme')
    .option('--repository <name>', 'repository name', 'web')
    .option('--image <image>', 'image the workflow builds (default ghcr.io/<owner>/<repository>)')
    .option('--force', 'overwrite an existing config')
    .action((o) => run(() => {
      const { initCommand } = require('./commands/init') as typeof import('./commands/init');
      return initCommand(o, io);
    }));

  program.command('synth')
    .description('validate the config and write every artifact (workflow, Terraform, policies, runbook)')
    .option('--config <file>', 'blueprint config (YAML or JSON)', 'blueprint.yaml')
    .option('--out <dir>', 'output folder', 'dist')
    .option('--force', 'overwrite files in the output folder that synth did not write, or that were edited since the last synth (and remove edited files it no longer produces)')
    .option('--jobs <n>', 'threads: with 2 or more, the Terraform stacks to synthesize are split over worker threads (same output)', '1')
    .option('--no-cache', 'render everything: do not reuse files of the last synth whose inputs are unchanged (and remove the render cache file)')
    .action((o) => run(() => {
      const { synthCommand } = require('./commands/synth') as typeof import('./commands/synth');
      return synthCommand(o, io);
    }));

  program.command('check')
    .description('run the synth-time consistency checks; exit 1 when an unsuppressed error remains')
    .option('--config <file>', 'blueprint config (YAML or JSON)', 'blueprint.yaml')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json', 'sarif']).default('text'))
    .action((o) => run(() => {
      const { checkCommand } = require('./commands/check') as typeof import('./commands/check');
      return checkCommand({ config: o.config, format: o.format, color: io.stdoutIsTty === true }, io);
    }));

  program.command('keygen')
    .description('generate a cosign-compatible key pair (password from COSIGN_PASSWORD, a prompt, or stdin)')
    .option('--out-dir <dir>', 'folder for cosign.key and cosign.pub', '.')
    .option('--force', 'overwrite existing key files')
    .addOption(new Option('--label <label>', 'PEM label of the private key').choices(['sigstore', 'cosign']).default('sigstore'))
    .addOption(new Option('--scrypt-n <n>', 'scrypt cost (32768 for cosign <= 2.1 readers)').choices(['65536', '32768']).default('65536'))
    .action((o) => run(() => {
      const { keygenCommand } = require('./commands/keygen') as typeof import('./commands/keygen');
      return keygenCommand({ outDir: o.outDir, force: o.force, label: o.label, scryptN: Number(o.scryptN) }, io);
    }));

  program.command('public-key')
    .description('print the public key of an encrypted cosign private key (like `cosign public-key`)')
    .requiredOption('--key <file>', 'cosign.key')
    .action((o) => run(() => {
      const { publicKeyCommand } = require('./commands/public-key') as typeof import('./commands/public-key');
      return publicKeyCommand({ key: o.key }, io);
    }));

  program.command('match')
    .description('does an admission engine\'s image pattern match an image? exit 0 yes, 1 no')
    .addOption(new Option('--engine <engine>', 'admission engine').choices(['kyverno', 'kyverno-ivpol', 'policy-controller']).makeOptionMandatory())
    .argument('<pattern>', 'the policy pattern')
    .argument('<image>', 'the image reference as a Pod would name it')
    .action((pattern, image, o) => run(() => {
      const { matchCommand } = require('./commands/match') as typeof import('./commands/match');
      return matchCommand({ engine: o.engine }, pattern, image, io);
    }));

  program.command('verify')
    .description('check the image\'s cosign signatures in its registry (exit 0 only if verified), or with --config whether the blueprint\'s policies admit it')
    .argument('<image>', 'registry/repository[:tag][@sha256:<hex>] (a tag is resolved to its digest first)')
    .option('--key <file>', 'cosign.pub (repeatable): a signature by any of these keys verifies', (v: string, prev: string[] = []) => [...prev, v])
    .option('--certificate-identity <san>', 'keyless: the exact certificate SAN')
    .option('--certificate-identity-regexp <re>', 'keyless: a Go regexp for the SAN (anchor it ^...$)')
    .option('--certificate-oidc-issuer <url>', 'keyless: the exact OIDC issuer')
    .option('--certificate-oidc-issuer-regexp <re>', 'keyless: a Go regexp for the OIDC issuer (anchor it ^...$)')
    .option('--trusted-root <file>', 'Sigstore trusted_root.json for keyless verification offline')
    .option('--public-good-root', 'keyless: trust the public Sigstore root embedded in @sigstore/tuf (a snapshot, not refreshed) when no --trusted-root is given')
    .option('--tuf-mirror <url>', 'refresh the trusted root through TUF from this repository (https://tuf-repo-cdn.sigstore.dev: the public instance), verified from a pinned root')
    .option('--tuf-root <file>', 'with --tuf-mirror: the TUF repository\'s pinned initial root.json (needed for a private repository)')
    .option('--tuf-cache <dir>', 'with --tuf-mirror: cache of verified TUF metadata, used offline while its timestamp is valid (default ~/.cache/image-signing-blueprint/tuf)')
    .option('--tuf-force-refresh', 'with --tuf-mirror: contact the mirror even while the cached metadata is valid')
    .option('--rekor-public-key <file>', 'Rekor public key to verify tlog entries offline')
    .option('--insecure-ignore-tlog', 'accept signatures without a transparency-log entry')
    .option('--insecure-registry', 'allow plain HTTP to the image\'s registry (always allowed for localhost/127.0.0.1)')
    .option('--config <file>', 'evaluate every admission policy of this blueprint instead')
    .option('--type <type>', 'verify attestations of this predicate type instead (cyclonedx, spdxjson, slsaprovenance1, ... or a URI), like cosign verify-attestation')
    .addOption(new Option('--output <format>', 'output format').choices(['text', 'json']).default('text'))
    .action((image, o) => run(() => {
      const { verifyCommand } = require('./commands/verify') as typeof import('./commands/verify');
      return verifyCommand(o, image, io);
    }));

  program.command('triangulate')
    .description('print where the image\'s signature artifact lives (<repo>:sha256-<hex>.sig; bundle referrers for signatures)')
    .argument('<image>', 'registry/repository[:tag][@sha256:<hex>]')
    .addOption(new Option('--type <type>', 'artifact').choices(['signature', 'attestation', 'sbom']).default('signature'))
    .option('--insecure-registry', 'allow plain HTTP to the image\'s registry')
    .action((image, o) => run(() => {
      const { triangulateCommand } = require('./commands/triangulate') as typeof import('./commands/triangulate');
      return triangulateCommand(o, image, io);
    }));

  return program;
}
/* eslint-enable @typescript-eslint/no-require-imports */

/** Prints an error: one message (with code, path and fix for ours); the stack only with --debug. */
export function reportError(e: unknown, io: CliIo, debug: boolean): number {
  if (e instanceof ConfigError || e instanceof ChecksFailedError) {
    io.err(`error: ${e.message}\n`);
  } else if (e instanceof BlueprintError) {
    io.err(`error [${e.code}]: ${e.message}${e.path ? `\n  at: ${e.path}` : ''}${e.fix ? `\n  fix: ${e.fix}` : ''}\n`);
  } else {
    // not one of ours: an internal error. One line (no stack, no multi-line dumps) unless --debug.
    const first = String((e as Error)?.message ?? e).split('\n')[0];
    io.err(`error: ${first}${debug ? '' : ' (internal error; run with --debug for the stack trace)'}\n`);
  }
  if (debug && e instanceof Error && e.stack) io.err(`${e.stack}\n`);
  return EXIT.FAILED;
}

/** Runs the CLI; returns the exit code (never calls process.exit). */
export async function main(argv: string[], io: CliIo = processIo()): Promise<number> {
  const debug = argv.includes('--debug');
  let pending: Promise<number> | undefined;
  const program = buildProgram(io, (h) => { pending = h(); });
  if (argv.filter((a) => a !== '--debug').length === 0) {
    io.err(program.helpInformation());
    return EXIT.USAGE;
  }
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.help' || e.code === 'commander.version') return EXIT.OK;
      return EXIT.USAGE;
    }
    return reportError(e, io, debug);
  }
  if (!pending) return EXIT.OK;
  try {
    return await pending;
  } catch (e) {
    return reportError(e, io, debug);
  }
}

/**
 * The process entry point (bin/): runs `main`, sets the exit code, and reports what escapes it
 * (an error event no one listens to, a rejected promise) like any other error: one line, the
 * stack only with --debug, exit 1.
 */
export async function runCli(argv: string[] = process.argv.slice(2)): Promise<void> {
  const debug = argv.includes('--debug');
  const io = processIo();
  const fatal = (e: unknown) => {
    process.exitCode = reportError(e, io, debug);
    process.exit();
  };
  process.on('uncaughtException', fatal);
  process.on('unhandledRejection', fatal);
  process.exitCode = await main(argv, io);
}
