import { createPublicKey } from 'node:crypto';
import { SigningMode } from '../../config/types';
import { KeyModel } from '../../model/model';
import { checkKeyModelPair } from '../key-pair-check';
import { RawFinding, Rule } from '../types';
import { kyvernoEntries, objectsOfKind } from '../views';
import { guardedRepositories, repoByName } from './util';

const PEM_BLOCK = /-----BEGIN PUBLIC KEY-----[\s\S]*?-----END PUBLIC KEY-----/g;

/** parsed PEM blocks: the same key stands in every policy entry of an org blueprint (bounded: a check run's keys) */
const spkiCache = new Map<string, string | undefined>();
const SPKI_CACHE_MAX = 10_000;

function spkiHex(pem: string): string | undefined {
  if (spkiCache.has(pem)) return spkiCache.get(pem);
  let hex: string | undefined;
  try {
    hex = createPublicKey(pem).export({ type: 'spki', format: 'der' }).toString('hex');
  } catch {
    hex = undefined;
  }
  if (spkiCache.size >= SPKI_CACHE_MAX) spkiCache.clear();
  spkiCache.set(pem, hex);
  return hex;
}

/** SPKI DER (hex) of every PEM public key in a string; undefined entries for unparsable blocks. */
export function spkiHexes(text: string): (string | undefined)[] {
  return (text.match(PEM_BLOCK) ?? []).map(spkiHex);
}

/**
 * Every public key in the final artifacts with where it was found. `group` names the set of
 * alternatives the key belongs to: any one key of a group that verifies admits the image, so the
 * current key must be in every group, not in every entry (admission-engines.md §1.2: a Kyverno
 * attestor set with `count: 1`; §3: `verifyImageSignatures(…) > 0` over an IVP's attestors; §4.1:
 * any authority of a ClusterImagePolicy). A Kyverno set without `count` needs every entry (AND),
 * so each of its entries is a group of its own.
 */
export function policyKeys(ctx: Parameters<Rule['check']>[0]): { where: string; text: string; object?: string; group: string }[] {
  const out: { where: string; text: string; object?: string; group: string }[] = [];
  for (const e of kyvernoEntries(ctx.artifacts)) {
    const sets: any[] = [...(e.entry.attestors ?? []), ...(e.entry.attestations ?? []).flatMap((a: any) => a.attestors ?? [])];
    sets.forEach((set, i) => {
      const any = Number(set?.count) === 1;
      (set?.entries ?? []).forEach((a: any, j: number) => {
        if (typeof a?.keys?.publicKeys === 'string') {
          out.push({ where: e.where, text: a.keys.publicKeys, object: e.where, group: any ? `${e.where} attestors[${i}]` : `${e.where} attestors[${i}].entries[${j}]` });
        }
      });
    });
  }
  for (const p of objectsOfKind(ctx.artifacts, 'ImageValidatingPolicy')) {
    for (const a of p.policy.spec?.attestors ?? []) {
      if (typeof a.cosign?.key?.data === 'string') out.push({ where: `${p.where} attestors.${a.name}`, text: a.cosign.key.data, object: p.where, group: p.where });
    }
  }
  for (const p of objectsOfKind(ctx.artifacts, 'ClusterImagePolicy')) {
    for (const a of p.policy.spec?.authorities ?? []) {
      if (typeof a.key?.data === 'string') out.push({ where: `${p.where} authorities.${a.name}`, text: a.key.data, object: p.where, group: p.where });
    }
  }
  for (const [rel, content] of ctx.artifacts.files) {
    if (rel.endsWith('cosign.pub')) out.push({ where: rel, text: content, group: rel });
  }
  return out;
}

export const ISB_KEY_001: Rule = {
  id: 'ISB-KEY-001',
  level: 'error',
  title: 'A policy public key differs from the key pair\'s public key',
  explanation: 'The admission policies, the verify job and the committed cosign.pub must hold the public half of '
    + 'the key that signs in CI. A stale or wrong key rejects every signed image (or accepts images signed by a '
    + 'key nobody rotates). Keys are compared as decoded SubjectPublicKeyInfo bytes, not PEM text. When the config '
    + 'names the private key (signing.key.privateKeyFile) and COSIGN_PASSWORD is set, the key pair itself is checked '
    + 'too: cosign.key is decrypted in memory and its public half must be the public key every policy carries. '
    + 'In a rotation the policies accept the current key or a previous one (any of them verifies), so each set of '
    + 'alternatives must contain the current key and each key must be the current or a previous one.',
  fix: 'Point signing.key.publicKeyFile at the cosign.pub of the key in COSIGN_PRIVATE_KEY; list retired keys in previousPublicKeyFiles.',
  check(ctx) {
    // every key repository's own key: current keys and the previous ones kept for rotation
    // (a KMS key without its exported public key has nothing to compare: ISB-KEY-005 says so)
    const keys = [...new Set(ctx.model.repositories
      .filter((r) => r.signing.mode === SigningMode.KEY && r.signing.key?.publicKey).map((r) => r.signing.key!))];
    if (keys.length === 0) return [];
    const key = keys[0];
    const allowed = new Set(keys.flatMap((k) => [k.publicKey!.spkiDer.toString('hex'), ...k.previousPublicKeys.map((p) => p.key.spkiDer.toString('hex'))]));
    const currents = new Set(keys.map((k) => k.publicKey!.spkiDer.toString('hex')));
    const fps = keys.map((k) => `SHA256:${k.publicKey!.fingerprint}`).join(', ');
    const hex = (k: KeyModel) => k.publicKey!.spkiDer.toString('hex');
    const out: RawFinding[] = [];
    // the secret key pair: every signer whose cosign.key is at hand (privateKeyFile, COSIGN_PASSWORD)
    for (const k of keys) {
      if (k.privateKeyFile === undefined) continue;
      const pair = checkKeyModelPair(k, ctx.env);
      if (pair.status === 'mismatch') {
        out.push({
          path: pair.path,
          message: pair.message,
          fix: `name the cosign.key of ${k.publicKeyFile ?? 'the public key'} in ${pair.path}, `
            + `or point ${k.configPath}.publicKeyFile at this key's cosign.pub `
            + `(image-signing-blueprint public-key --key ${k.privateKeyFileRel ?? 'cosign.key'})`,
        });
      } else if (pair.status === 'unchecked') {
        out.push({
          path: pair.path,
          message: pair.message,
          level: 'warning',
          fix: `set COSIGN_PASSWORD to the password of ${k.privateKeyFileRel ?? 'cosign.key'} when running check/synth, or remove ${pair.path}`,
        });
      }
    }
    const found = policyKeys(ctx);
    const single = ctx.model.repositories.length === 1;
    // per group of alternatives: the keys it accepts, and the current keys it must accept
    const groups = new Map<string, { hexes: Set<string>; need: KeyModel[]; who: Map<string, string[]>; policy: boolean }>();
    for (const f of found) {
      // the keys of the repositories this object guards (each signs with its own key)
      const guarded = f.object !== undefined
        ? guardedRepositories(ctx, f.object).filter((r) => r.signing.mode === SigningMode.KEY && r.signing.key?.publicKey)
        : (() => {
          const m = /^github\/(?:([^/]+)\/)?cosign\.pub$/.exec(f.where);
          const repo = m ? (m[1] !== undefined ? repoByName(ctx.model, m[1]) : single ? ctx.model.repositories[0] : undefined) : undefined;
          return repo?.signing.key ? [repo] : [];
        })();
      const hexes = spkiHexes(f.text);
      if (hexes.length === 0) {
        out.push({
          path: f.where,
          message: 'holds no PEM public key (e.g. a `k8s://namespace/secret` reference): the key the engine will load from there is only known in the cluster, so it was not compared with the signing key',
          level: 'warning',
        });
        continue;
      }
      if (hexes.some((h) => h === undefined)) out.push({ path: f.where, message: 'holds a PEM block that is not a valid public key' });
      let g = groups.get(f.group);
      if (!g) groups.set(f.group, g = { hexes: new Set(), need: [], who: new Map(), policy: !f.where.endsWith('cosign.pub') });
      for (const h of hexes) if (h !== undefined) g.hexes.add(h);
      if (guarded.length > 0 && keys.length > 1) {
        const mine = [...new Map(guarded.map((r) => [r.signing.key!.publicKey!.fingerprint, r.signing.key!])).values()];
        // each key is one a signer of the guarded repositories may have used: its current key or a previous one
        const ok = new Set(mine.flatMap((k) => [hex(k), ...k.previousPublicKeys.map((p) => p.key.spkiDer.toString('hex'))]));
        const foreign = hexes.filter((h): h is string => h !== undefined && !ok.has(h));
        if (foreign.length > 0) {
          out.push({ path: f.where, message: `holds a public key that is not the key of ${guarded.map((r) => r.name).slice(0, 3).join(', ')}${guarded.length > 3 ? ', …' : ''} (the repositories it guards)` });
        }
        for (const k of mine) {
          if (!g.need.includes(k)) g.need.push(k);
          const fp = k.publicKey!.fingerprint;
          g.who.set(fp, guarded.filter((r) => r.signing.key!.publicKey!.fingerprint === fp).map((r) => r.name));
        }
        continue;
      }
      if (hexes.some((h) => h !== undefined && !allowed.has(h))) {
        out.push({
          path: f.where,
          message: keys.length === 1
            ? `holds a public key that is neither the blueprint's key (SHA256:${key.publicKey!.fingerprint}) nor a previous one`
            : `holds a public key that is none of the blueprint's keys (${fps}) nor a previous one`,
        });
      }
    }
    for (const [where, g] of groups) {
      if (g.need.length > 0) {
        for (const k of g.need) {
          if (g.hexes.has(hex(k))) continue;
          const who = g.who.get(k.publicKey!.fingerprint) ?? [];
          out.push({ path: where, message: `does not accept the current signing key of ${who.slice(0, 3).join(', ')}${who.length > 3 ? ', …' : ''} (SHA256:${k.publicKey!.fingerprint})` });
        }
        continue;
      }
      if (g.policy && ![...g.hexes].some((h) => currents.has(h))) {
        out.push({
          path: where,
          message: keys.length === 1
            ? `does not accept the current signing key (SHA256:${key.publicKey!.fingerprint})`
            : `does not accept any current signing key (${fps})`,
        });
      }
    }
    return out;
  },
};
