import * as fs from 'node:fs';
import * as path from 'node:path';
import { ImageSigningBlueprint } from '../../blueprint';
import { findingsToJson } from '../../checks/report/json';
import { findingsToSarif } from '../../checks/report/sarif';
import { findingsToText } from '../../checks/report/text';
import { summarize } from '../../checks/run';
import { configLocator } from '../../config/locate';
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
  const bp = ImageSigningBlueprint.fromFile(configFile);
  const findings = bp._findings(io.env);
  if (format === 'json') {
    io.out(findingsToJson(findings));
  } else if (format === 'sarif') {
    const locate = configLocator(fs.readFileSync(configFile, 'utf8'));
    const uri = path.relative(io.cwd, configFile).split(path.sep).join('/') || path.basename(configFile);
    io.out(findingsToSarif(findings, uri, locate));
  } else {
    io.out(findingsToText(findings, { color: opts.color }));
  }
  return summarize(findings).errors > 0 ? 1 : 0;
}
