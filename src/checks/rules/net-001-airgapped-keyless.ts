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
    // the first keyless repository without a trusted root (each one's own Sigstore settings)
    const repo = ctx.model.repositories.find((r) => r.signing.mode === SigningMode.KEYLESS && !r.signing.keyless?.trustedRootFile);
    if (!repo) return out;
    const k = repo.signing.keyless;
    for (const c of ctx.model.clusters) {
      if ((c as any).airGapped) {
        out.push({ path: `${c.path}.airGapped`, message: `cluster ${JSON.stringify(c.name)} is air-gapped but keyless signing uses ${k?.privateInstance ? 'no trusted root file' : 'the public Sigstore instance'}` });
      }
    }
    return out;
  },
};
