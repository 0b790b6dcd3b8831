import { BlueprintError } from '../errors';
import { findingsToText } from './report/text';
import { summarize } from './run';
import { Finding } from './types';

/** Thrown by synth when unsuppressed error findings remain. Code `CHECKS_FAILED`. */
export class ChecksFailedError extends BlueprintError {
  public readonly findings: readonly Finding[];
  constructor(findings: readonly Finding[]) {
    const s = summarize(findings);
    super('CHECKS_FAILED', `synth-time checks failed with ${s.errors} error${s.errors === 1 ? '' : 's'}; nothing was written\n${findingsToText(findings)}`,
      { fix: 'fix the findings, or suppress a rule with a reason under checks.suppress' });
    this.name = 'ChecksFailedError';
    this.findings = findings;
  }
}
