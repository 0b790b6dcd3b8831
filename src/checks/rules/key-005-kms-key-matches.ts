import { parseKmsUri } from '../../config/kms-uri';
import { SigningMode } from '../../config/types';
import { RawFinding, Rule } from '../types';
import { cosignCalls, kyvernoAttestorEntries, kyvernoEntries, objectsOfKind } from '../views';
import { guardedRepositories, q } from './util';

/** Every KMS key reference in the final policies, with where it was found. */
function policyKmsRefs(ctx: Parameters<Rule['check']>[0]): { where: string; uri: string; object: string }[] {
  const out: { where: string; uri: string; object: string }[] = [];
  for (const e of kyvernoEntries(ctx.artifacts)) {
    for (const a of kyvernoAttestorEntries(e.entry)) {
      if (typeof a.keys?.kms === 'string') out.push({ where: e.where, uri: a.keys.kms, object: e.where });
    }
  }
  for (const p of objectsOfKind(ctx.artifacts, 'ImageValidatingPolicy')) {
    for (const a of p.policy.spec?.attestors ?? []) {
      if (typeof a.cosign?.key?.kms === 'string') out.push({ where: `${p.where} attestors.${a.name}`, uri: a.cosign.key.kms, object: p.where });
    }
  }
  for (const p of objectsOfKind(ctx.artifacts, 'ClusterImagePolicy')) {
    for (const a of p.policy.spec?.authorities ?? []) {
      if (typeof a.key?.kms === 'string') out.push({ where: `${p.where} authorities.${a.name}`, uri: a.key.kms, object: p.where });
    }
  }
  return out;
}

export const ISB_KEY_005: Rule = {
  id: 'ISB-KEY-005',
  level: 'error',
  title: 'A KMS key reference differs from the KMS key the workflow signs with',
  explanation: 'With a KMS signing key the workflow runs `cosign sign --key <uri>` and the policies either embed the '
    + 'exported public key (compared by ISB-KEY-001) or name the KMS key. A policy that names another key, a malformed '
    + 'URI, or a workflow that signs with a different key rejects every image. When the config does not give the '
    + 'exported public key, the key behind the URI is only known to the KMS: synth can compare the URIs, not the keys.',
  fix: 'Use the same URI in signing.key.kms and the policies; give publicKeyFile (cosign public-key --key <uri>) so the key itself is compared.',
  check(ctx) {
    const kmsRepos = ctx.model.repositories.filter((r) => r.signing.mode === SigningMode.KEY && r.signing.key?.kms);
    const out: RawFinding[] = [];
    for (const ref of policyKmsRefs(ctx)) {
      const parsed = parseKmsUri(ref.uri);
      if (typeof parsed === 'string') {
        out.push({ path: ref.where, message: `KMS reference ${q(ref.uri)} ${parsed}` });
        continue;
      }
      const guarded = guardedRepositories(ctx, ref.object).filter((r) => r.signing.mode === SigningMode.KEY);
      const uris = new Set(guarded.map((r) => r.signing.key?.kms?.uri).filter((u): u is string => u !== undefined));
      if (guarded.length > 0 && !uris.has(ref.uri)) {
        out.push({
          path: ref.where,
          message: uris.size > 0
            ? `names KMS key ${q(ref.uri)}, but the repositories it guards sign with ${[...uris].map(q).join(', ')}`
            : `names KMS key ${q(ref.uri)}, but the repositories it guards (${guarded.map((r) => r.name).slice(0, 3).join(', ')}) sign with a key pair`,
        });
      }
    }
    // the workflow signs with the configured URI
    for (const c of cosignCalls(ctx.artifacts)) {
      if (c.sub !== 'sign' && c.sub !== 'attest') continue;
      const repo = kmsRepos.find((r) => r.name === c.step.repo);
      if (!repo) continue;
      const key = c.flags.get('--key');
      if (key !== repo.signing.key!.kms!.uri) {
        out.push({ path: c.step.where, message: `cosign ${c.sub} uses --key ${q(String(key ?? '(none)'))}, not the configured KMS key ${q(repo.signing.key!.kms!.uri)}` });
      }
    }
    // what synth cannot check without the exported public key: say so precisely, once per key
    const seen = new Set<string>();
    for (const r of kmsRepos) {
      const k = r.signing.key!;
      if (k.publicKey || seen.has(k.kms!.uri)) continue;
      seen.add(k.kms!.uri);
      out.push({
        path: k.kms!.path,
        level: 'info',
        message: `the public key of ${k.kms!.uri} is not in the config: the policies name the KMS key and fetch its public key at admission, `
          + 'so synth compared the URIs only; whether the key behind the URI (an alias can be re-pointed) is the one that signs, and whether the '
          + 'admission controllers may read it, is decided in the KMS',
        fix: `run \`cosign public-key --key ${k.kms!.uri} > kms.pub\` and set publicKeyFile: kms.pub so ISB-KEY-001 compares the key itself`,
      });
    }
    return out;
  },
};
