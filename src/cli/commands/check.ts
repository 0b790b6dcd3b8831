import * as fs from 'node:fs';
import * as path from 'node:path';
import { ImageSigningBlueprint } from '../../blueprint';
import { configFileLocator, configFindings, locatedConfigError, locateFindings } from '../../checks/config-findings';
import { findingsToJson } from '../../checks/report/json';
import { findingsToSarif } from '../../checks/report/sarif';
import { findingsToText } from '../../checks/report/text';
import { summarize } from '../../checks/run';
import { Finding } from '../../checks/types';
import { ConfigError } from '../../config/problems';
import { CliIo } from '../io';

export interface CheckOptions {
  readonly config?: string;
  readonly format?: string;
  /** colour text output (the CLI sets it when stdout is a TTY) */
  readonly color?: boolean;
}

/** `check`: findings only; exit 1 when an unsuppressed error remains, 2 for an unknown format. */
export async function checkCommand(opts: CheckOptions, io: CliIo): Promise<number> {
  const format = opts.format ?? 'text';
  if (!['text', 'json', 'sarif'].includes(format)) {
    io.err(`error: --format must be text, json or sarif (got ${JSON.stringify(format)})\n`);
    return 2;
  }
  const configFile = path.resolve(io.cwd, opts.config ?? 'blueprint.yaml');
  const shown = (abs: string) => path.relative(io.cwd, abs).split(path.sep).join('/') || path.basename(abs);
  let findings: Finding[];
  try {
    const bp = ImageSigningBlueprint.fromFile(configFile);
    findings = bp._findings(io.env);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    // a refusal: every problem is a finding with its catalogue id, path, file and line
    if (format === 'text') throw locatedConfigError(e, configFile, shown);
    const { chain, locate } = configFileLocator(configFile);
    findings = configFindings(e, locate, chain);
  }
  if (format !== 'text' && fs.existsSync(configFile)) {
    findings = locateFindings(findings, configFileLocator(configFile).locate);
  }
  findings = findings.map((f) => (f.file !== undefined ? { ...f, file: shown(f.file) } : f));
  if (format === 'json') {
    io.out(findingsToJson(findings));
  } else if (format === 'sarif') {
    io.out(findingsToSarif(findings, shown(configFile), () => undefined));
  } else {
    io.out(findingsToText(findings, { color: opts.color }));
  }
  return summarize(findings).errors > 0 ? 1 : 0;
}
