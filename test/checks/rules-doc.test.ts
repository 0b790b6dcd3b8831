import * as fs from 'node:fs';
import * as path from 'node:path';
import { RULES } from '../../src/checks/rules';
import { rulesMarkdown } from '../../src/checks/rules-doc';

test('RULES.md is generated from the rules and committed up to date (run the build)', () => {
  const committed = fs.readFileSync(path.join(__dirname, '..', '..', 'RULES.md'), 'utf8');
  expect(committed).toBe(rulesMarkdown());
  for (const r of RULES) expect(committed).toContain(`## ${r.id}`);
});
