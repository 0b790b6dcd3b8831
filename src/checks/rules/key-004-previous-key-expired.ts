import { RawFinding, Rule } from '../types';

export const ISB_KEY_004: Rule = {
  id: 'ISB-KEY-004',
  level: 'warning',
  title: 'A previous key kept for rotation has passed its end date',
  explanation: 'Previous public keys stay in the policies so that images signed before a rotation keep running. '
    + 'Past the planned end date, a retired (possibly compromised) key still admits images until it is removed.',
  fix: 'Remove the key from the previous keys, after re-signing any image still running with it.',
  check(ctx) {
    const out: RawFinding[] = [];
    const keys = new Set(ctx.model.repositories.map((r) => r.signing.key).filter((k) => k !== undefined));
    const previous = [...keys].flatMap((k) => k!.previousPublicKeys);
    previous.forEach((p: any, i: number) => {
      if (!p.notAfter) return;
      const end = new Date(p.notAfter);
      if (!Number.isNaN(end.getTime()) && end.getTime() < ctx.now.getTime()) {
        out.push({ path: p.path ?? `signing.key.previousPublicKeyFiles[${i}]`, message: `previous key ${p.file} (SHA256:${p.key.fingerprint}) passed its end date ${p.notAfter}` });
      }
    });
    return out;
  },
};
