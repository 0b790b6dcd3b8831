import * as fs from 'node:fs';
import { RawFinding, Rule } from '../types';

/** Shorter passwords are not searched for: they would match ordinary text. */
export const MIN_SCANNED_PASSWORD = 6;

export const ISB_KEY_003: Rule = {
  id: 'ISB-KEY-003',
  level: 'error',
  title: 'Private key material or the password appears in a synthesized artifact',
  explanation: 'Synthesized files are committed and reviewed; a private key or its password in any of them is a '
    + 'leaked signing key. The private key and password must reach GitHub only through sensitive Terraform '
    + 'variables or sealed boxes.',
  fix: 'Remove the value from the config or patch; provide it at apply time (TF_VAR_…) instead.',
  check(ctx) {
    const needles: { what: string; value: string }[] = [];
    const pw = ctx.env.COSIGN_PASSWORD;
    if (pw !== undefined && pw.length >= MIN_SCANNED_PASSWORD) needles.push({ what: 'the COSIGN_PASSWORD value', value: pw });
    const keyFiles = new Set(ctx.model.repositories.map((r) => r.signing.key?.privateKeyFile).filter((f): f is string => f !== undefined));
    for (const keyFile of keyFiles) {
      try {
        const body = fs.readFileSync(keyFile, 'utf8').split('\n').filter((l) => l && !l.startsWith('-----'));
        for (const line of body) if (line.length >= 16) needles.push({ what: 'a line of the private key file', value: line });
      } catch {
        // unreadable: nothing to compare
      }
    }
    const out: RawFinding[] = [];
    for (const [rel, content] of ctx.artifacts.files) {
      if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(content)) out.push({ path: rel, message: 'contains a PEM private key block' });
      const hit = needles.find((n) => content.includes(n.value));
      if (hit) out.push({ path: rel, message: `contains ${hit.what}` });
    }
    return out;
  },
};
