import { RULES } from '../rules';
import { Finding, Rule } from '../types';

/** Where a config path is in the config file (1-based), when known. */
export type Locate = (configPath: string) => { line: number; column: number; uri?: string } | undefined;

const SARIF_LEVEL = { error: 'error', warning: 'warning', info: 'note' } as const;

/**
 * SARIF 2.1.0 for GitHub code scanning: one run, the rule catalogue as the tool's rules,
 * each finding located on the config file line its path points to.
 */
export function findingsToSarif(findings: readonly Finding[], configUri: string, locate: Locate, rules: readonly Rule[] = RULES): string {
  const index = new Map(rules.map((r, i) => [r.id, i]));
  const log = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [{
      tool: {
        driver: {
          name: 'image-signing-blueprint',
          informationUri: 'https://github.com/image-signing-blueprint/image-signing-blueprint',
          rules: rules.map((r) => ({
            id: r.id,
            name: r.id.replace(/-/g, ''),
            shortDescription: { text: r.title },
            fullDescription: { text: r.explanation },
            help: { text: r.fix },
            defaultConfiguration: { level: SARIF_LEVEL[r.level] },
          })),
        },
      },
      results: findings.map((f) => {
        const loc: { line: number; column: number; uri?: string } = f.line !== undefined
          ? { line: f.line, column: f.column ?? 1, uri: f.file }
          : locate(f.path) ?? { line: 1, column: 1 };
        return {
          ruleId: f.id,
          ...(index.has(f.id) ? { ruleIndex: index.get(f.id) } : {}),
          level: SARIF_LEVEL[f.level],
          message: { text: `${f.path ? `${f.path}: ` : ''}${f.message} Fix: ${f.fix}` },
          locations: [{
            physicalLocation: {
              artifactLocation: { uri: loc.uri ?? configUri },
              region: { startLine: loc.line, startColumn: loc.column },
            },
          }],
          ...(f.suppressed ? { suppressions: [{ kind: 'external', justification: f.suppressed.reason }] } : {}),
        };
      }),
    }],
  };
  return JSON.stringify(log, null, 2) + '\n';
}
