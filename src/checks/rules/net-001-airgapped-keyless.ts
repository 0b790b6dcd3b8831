import { SigningMode } from '../../config/types';
import { RawFinding, Rule } from '../types';

export const ISB_NET_001: Rule = {
  id: 'ISB-NET-001',
  level: 'error',
  title: 'Keyless signing in an air-gapped setup without a private Sigstore',
  explanation: 'Keyless verification needs Fulcio roots and Rekor keys from a trusted root, which verifiers fetch '
    + 'from the public Sigstore TUF repository. An air-gapped cluster cannot reach it, so every keyless signature '
    + 'fails verification unless a private Fulcio/Rekor and its trusted root are configured.',
  fix: 'Configure signing.keyless.fulcioUrl, rekorUrl and trustedRootFile for a private Sigstore, or sign with a key.',
  check(ctx) {
    const out: RawFinding[] = [];
    // each keyless repository's own Sigstore settings: without a trusted root it relies on the public instance
    const exposed = ctx.model.repositories.filter((r) => r.signing.mode === SigningMode.KEYLESS && !r.signing.keyless?.trustedRootFile);
    if (exposed.length === 0) return out;
    for (const c of ctx.model.clusters.filter((x) => x.airGapped)) {
      const names = exposed.map((r) => r.name);
      out.push({
        path: `${c.path}.airGapped`,
        message: `cluster ${JSON.stringify(c.name)} is air-gapped, but ${names.length === 1 ? 'repository' : 'repositories'} `
          + `${names.map((n) => JSON.stringify(n)).join(', ')} sign keylessly without a trusted root file `
          + `(${exposed[0].signing.keyless?.privateInstance ? 'a private Fulcio/Rekor is named, but no trusted root' : 'the public Sigstore instance'})`,
      });
    }
    return out;
  },
};
