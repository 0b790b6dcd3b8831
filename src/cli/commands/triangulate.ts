import { ImageVerifier, SignatureArtifact } from '../../verify/image-verifier';
import { parseRegistryRef } from '../../verify/reference';
import { CliIo } from '../io';

export interface TriangulateOptions {
  /** signature | attestation | sbom */
  readonly type?: string;
  readonly insecureRegistry?: boolean;
}

/** `triangulate IMAGE [--type signature|attestation|sbom]`: where cosign stores the image's signature artifacts. */
export async function triangulateCommand(opts: TriangulateOptions, image: string, io: CliIo): Promise<number> {
  const type = (opts.type ?? 'signature') as SignatureArtifact;
  const verifier = new ImageVerifier({
    insecureRegistries: opts.insecureRegistry ? [parseRegistryRef(image).host] : [],
    environment: Object.fromEntries(Object.entries(io.env).filter(([, v]) => v !== undefined)) as Record<string, string>,
  });
  try {
    const r = await verifier.triangulate(image, type);
    for (const w of r.warnings) io.err(`WARNING: ${w}\n`);
    io.out(`${r.reference}\n`);
    if (!r.exists) io.err(`note: ${r.reference} does not exist in the registry\n`);
    for (const ref of r.referrers) {
      io.out(`${r.reference.replace(/:[^:/]+$/, '')}@${ref.digest}\t${ref.artifactType ?? ''}\t${ref.predicateType ?? ''}\n`);
    }
    if (type !== SignatureArtifact.SBOM) io.err(`referrers listed via: ${r.referrersVia}\n`);
    return 0;
  } finally {
    verifier.close();
  }
}
