import { summarize } from '../run';
import { Finding, Level } from '../types';

const COLOR: Record<Level, string> = { error: '\u001b[31m', warning: '\u001b[33m', info: '\u001b[36m' };
const RESET = '\u001b[0m';

/** Human-readable findings, grouped by level; colour only when asked (TTY). */
export function findingsToText(findings: readonly Finding[], opts: { color?: boolean } = {}): string {
  const c = (level: Level, s: string) => (opts.color ? `${COLOR[level]}${s}${RESET}` : s);
  const lines: string[] = [];
  for (const level of ['error', 'warning', 'info'] as Level[]) {
    const group = findings.filter((f) => f.level === level);
    if (group.length === 0) continue;
    lines.push(c(level, `${level === 'error' ? 'Errors' : level === 'warning' ? 'Warnings' : 'Info'} (${group.length})`));
    for (const f of group) {
      lines.push(`  ${c(level, f.id)} ${f.path ? `${f.path}: ` : ''}${f.message}${f.suppressed ? ` [suppressed: ${f.suppressed.reason}]` : ''}`);
      lines.push(`      fix: ${f.fix}`);
    }
  }
  const s = summarize(findings);
  lines.push(`${s.errors} error${s.errors === 1 ? '' : 's'}, ${s.warnings} warning${s.warnings === 1 ? '' : 's'}${s.suppressed ? `, ${s.suppressed} suppressed` : ''}`);
  return lines.join('\n') + '\n';
}
