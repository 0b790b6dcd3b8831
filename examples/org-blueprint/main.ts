/*
 * The organization blueprint reused from TypeScript: load the published blueprint.yaml (which
 * extends base.yaml), then add a repository and a cluster with overrides. In your own project,
 * import from 'image-signing-blueprint' and load the file from the package that publishes it.
 *
 *   npx ts-node examples/org-blueprint/main.ts [outdir]
 */
import * as path from 'node:path';
import { FailureAction, ImageSigningBlueprint, KyvernoPolicyType, SigningMode } from '../../src';

export function orgBlueprintWithOverrides(): ImageSigningBlueprint {
  const bp = ImageSigningBlueprint.fromFile(path.join(__dirname, 'blueprint.yaml'));
  // a new keyless repository that also signs release tags
  bp.addRepository({
    name: 'wiki',
    images: ['ghcr.io/acme/wiki'],
    workflow: { tags: ['v*'] },
    signing: { mode: SigningMode.KEYLESS },
  });
  // a second production cluster, still in the Audit stage
  bp.addCluster({
    name: 'prod-us',
    kyverno: { policy: KyvernoPolicyType.IMAGE_VALIDATING_POLICY, version: '1.19' },
    failureAction: FailureAction.AUDIT,
  });
  return bp;
}

if (require.main === module) {
  const out = path.resolve(process.argv[2] ?? 'example-out/org-blueprint-ts');
  const result = orgBlueprintWithOverrides().synth(out);
  // eslint-disable-next-line no-console
  console.log(`wrote ${result.files.length} files to ${result.outdir}`);
}
