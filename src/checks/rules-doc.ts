import { RULES } from './rules';

/** RULES.md, generated from the rules' metadata by the build (`npx projen build`). */
export function rulesMarkdown(): string {
  const L: string[] = [
    '# Synth-time rules',
    '',
    'Generated from the rule metadata in `src/checks/rules/` by the build; do not edit by hand.',
    '`image-signing-blueprint check` runs them; `synth` runs them first and writes nothing while an',
    'unsuppressed error remains. Suppress a rule only with a reason:',
    '',
    '```yaml',
    'checks:',
    '  suppress:',
    '    - { id: ISB-IMG-003, reason: "third-party base images are signed elsewhere" }',
    '```',
    '',
    '| id | level | rule |',
    '|---|---|---|',
    ...RULES.map((r) => `| [${r.id}](#${r.id.toLowerCase()}) | ${r.level} | ${r.title} |`),
    '',
  ];
  for (const r of RULES) {
    L.push(`## ${r.id}`, '', `**${r.title}** (default level: ${r.level})`, '', r.explanation, '', `Fix: ${r.fix}`, '');
  }
  return L.join('\n');
}
