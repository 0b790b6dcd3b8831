/*
 * The repo-owner example through the TypeScript API: the same blueprint as blueprint.yaml.
 * In your own project, import from 'image-signing-blueprint' instead of '../../src'.
 *
 *   npx ts-node examples/repo-owner/main.ts [outdir]
 */
import * as path from 'node:path';
import {
  FailureAction, ImageSigningBlueprint, KyvernoPolicyType, SecretScope, SignatureFormat, SigningMode,
} from '../../src';

export function repoOwnerBlueprint(): ImageSigningBlueprint {
  return new ImageSigningBlueprint({
    baseDir: __dirname, // cosign.pub is resolved relative to this folder
    config: {
      name: 'acme-web',
      github: { owner: 'acme' },
      repositories: [{
        name: 'web',
        images: ['ghcr.io/acme/web'],
        workflow: { file: 'build-sign.yml', branches: ['main'], tags: ['v*'] },
      }],
      signing: {
        mode: SigningMode.KEY,
        cosign: { version: 'v3.0.6', signatureFormat: SignatureFormat.LEGACY },
        transparencyLog: true,
        key: { publicKeyFile: 'cosign.pub', secretScope: SecretScope.REPOSITORY },
      },
      admission: {
        failureAction: FailureAction.ENFORCE,
        kyverno: { policy: KyvernoPolicyType.CLUSTER_POLICY, version: '1.16' },
      },
      verification: { ci: true },
    },
  });
}

if (require.main === module) {
  const out = path.resolve(process.argv[2] ?? 'example-out/repo-owner-ts');
  const result = repoOwnerBlueprint().synth(out);
  // eslint-disable-next-line no-console
  console.log(`wrote ${result.files.length} files to ${result.outdir}`);
}
