/*
 * The TypeScript side of the cross-language comparison: each example built through the construct
 * API (main.ts where the example has one, else ImageSigningBlueprint.fromFile on its
 * blueprint.yaml) and synthesized. When synth refuses (checks fail), the tree is what
 * renderFiles() returns plus SYNTH-ERROR.txt with the error, so both sides are still compared
 * byte for byte. The Python, Java and Go drivers do exactly the same.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EXAMPLES } from './support';
import { orgBlueprintWithOverrides } from '../../examples/org-blueprint/main';
import { repoOwnerBlueprint } from '../../examples/repo-owner/main';
import { ImageSigningBlueprint } from '../../src';

export const EXAMPLE_NAMES = ['repo-owner', 'keyless', 'platform-team', 'org-blueprint'] as const;
export type ExampleName = typeof EXAMPLE_NAMES[number];

function build(name: ExampleName): ImageSigningBlueprint {
  switch (name) {
    case 'repo-owner': return repoOwnerBlueprint();
    case 'org-blueprint': return orgBlueprintWithOverrides();
    default: return ImageSigningBlueprint.fromFile(path.join(EXAMPLES, name, 'blueprint.yaml'));
  }
}

/** synthesizes the example into outdir (or its rendered files and SYNTH-ERROR.txt) */
export function synthTypeScriptExample(name: ExampleName, outdir: string): void {
  const bp = build(name);
  try {
    bp.synth(outdir);
  } catch (e) {
    const err = e as Error;
    for (const [f, text] of Object.entries(bp.renderFiles())) {
      fs.mkdirSync(path.dirname(path.join(outdir, f)), { recursive: true });
      fs.writeFileSync(path.join(outdir, f), text);
    }
    fs.writeFileSync(path.join(outdir, 'SYNTH-ERROR.txt'), `${err.name}: ${err.message}\n`);
  }
}
