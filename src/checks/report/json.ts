import { summarize } from '../run';
import { Finding } from '../types';

/** `check --format json` (DESIGN.md): {findings:[{id,level,message,path,fix}], summary:{errors,warnings}}. */
export function findingsToJson(findings: readonly Finding[]): string {
  const s = summarize(findings);
  return JSON.stringify({
    findings: findings.map((f) => ({
      id: f.id,
      level: f.level,
      message: f.message,
      path: f.path,
      fix: f.fix,
      ...(f.file !== undefined ? { file: f.file, line: f.line, column: f.column } : {}),
      ...(f.suppressed ? { suppressed: true, reason: f.suppressed.reason } : {}),
    })),
    summary: { errors: s.errors, warnings: s.warnings, suppressed: s.suppressed },
  }, null, 2) + '\n';
}
