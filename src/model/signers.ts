import { createHash } from 'node:crypto';
import { BlueprintModel, keyIdentity, RepositoryModel, SigningModel } from './model';
import { SignatureFormat, SigningMode } from '../config/types';

/*
 * Signer groups: the repositories whose images a verifier checks the same way. Key mode: the same
 * public keys (current and previous), signature format and transparency-log setting → one policy
 * rule / attestor for all of them. Keyless: one group per workflow identity (each repository's
 * workflow has its own SAN). Group ids are derived from the group's own trust material (key
 * fingerprint, repository identity), never from positions, so adding an unrelated repository
 * renames nothing.
 */

export interface SignerGroup {
  /**
   * Stable id for names: `default` for the top-level key, `key-<fingerprint prefix>[-<hash>]` for
   * other keys, the repository name for keyless identities.
   */
  readonly id: string;
  /** true for the key group of the top-level `signing` (keeps the blueprint's historical names) */
  readonly isDefault: boolean;
  readonly mode: SigningMode;
  /** the signing every member verifies against (the first member's; they agree on everything a verifier reads) */
  readonly signing: SigningModel;
  readonly repos: readonly RepositoryModel[];
  /** canonical JSON of what a verifier reads: equal keys = same group */
  readonly canonical: string;
}

function sha(s: string): string {
  return createHash('sha256').update(s).digest('hex');
}

/** What a verifier reads from a repository's signing: the group key. */
export function signerCanonical(repo: RepositoryModel): string {
  const s = repo.signing;
  const common = { format: s.signatureFormat, tlog: s.transparencyLog };
  if (s.mode === SigningMode.KEY) {
    const k = s.key!;
    return JSON.stringify({ mode: 'key', key: keyIdentity(k), kms: k.kms?.uri, previous: k.previousPublicKeys.map((p) => p.key.fingerprint), ...common });
  }
  const kl = s.keyless!;
  return JSON.stringify({
    mode: 'keyless',
    identity: repo.identity,
    fulcio: kl.fulcioUrl,
    rekor: kl.rekorUrl,
    trustedRoot: kl.trustedRoot ? sha(kl.trustedRoot.json) : null,
    tuf: kl.tuf ? `${kl.tuf.mirror} ${sha(kl.tuf.rootJson)}` : null,
    ...common,
  });
}

/**
 * Fragments the names of key groups use (`verify-signatures`, `<blueprint>-verify-images`,
 * `verify-key-<fingerprint>`): a repository called like that gets a hashed fragment instead.
 */
const RESERVED = /^(signatures|images|key-.*)$/;

/**
 * A name fragment for a repository: the name itself when it is lowercase letters, digits, `-`
 * and `.`, else a sanitized form plus a hash of the name (GitHub names allow `_` and uppercase),
 * so two repositories never share a fragment.
 */
export function nameFragment(name: string): string {
  if (/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(name) && !RESERVED.test(name)) return name;
  const clean = name.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '') || 'repo';
  return `${clean}-${sha(name).slice(0, 6)}`;
}

function keyGroupId(repo: RepositoryModel, canonical: string): string {
  const s = repo.signing;
  const k = s.key!;
  const plain = s.signatureFormat === SignatureFormat.LEGACY && s.transparencyLog && k.previousPublicKeys.length === 0;
  const base = `key-${keyIdentity(k).slice(0, 12)}`;
  return plain ? base : `${base}-${sha(canonical).slice(0, 6)}`;
}

const cache = new WeakMap<BlueprintModel, SignerGroup[]>();

/** The signer groups of a blueprint, in the order of their first repository (memoized per model). */
export function signerGroups(model: BlueprintModel): SignerGroup[] {
  const hit = cache.get(model);
  if (hit) return hit;
  const byCanonical = new Map<string, { repos: RepositoryModel[]; isDefault: boolean }>();
  for (const r of model.repositories) {
    const c = signerCanonical(r);
    const g = byCanonical.get(c);
    if (g) {
      g.repos.push(r);
      g.isDefault ||= r.signing.isDefault;
    } else {
      byCanonical.set(c, { repos: [r], isDefault: r.signing.isDefault });
    }
  }
  const out: SignerGroup[] = [];
  for (const [canonical, g] of byCanonical) {
    const first = g.repos[0];
    const mode = first.signing.mode;
    const isDefault = mode === SigningMode.KEY && g.isDefault;
    const id = mode === SigningMode.KEYLESS ? nameFragment(first.name) : isDefault ? 'default' : keyGroupId(first, canonical);
    out.push({ id, isDefault, mode, signing: first.signing, repos: g.repos, canonical });
  }
  cache.set(model, out);
  return out;
}

/**
 * The model as seen by one signer: `signing` is that signer's and `repositories` its members
 * (renderers written for one signer read `model.signing`).
 */
export function modelForSigner(model: BlueprintModel, signing: SigningModel, repos: readonly RepositoryModel[]): BlueprintModel {
  return { ...model, signing, repositories: repos };
}

const repoModels = new WeakMap<BlueprintModel, Map<SigningModel, BlueprintModel>>();

/** The model as seen by one repository's workflow: its own signing (one object per signing, memoized). */
export function modelForRepository(model: BlueprintModel, repo: RepositoryModel): BlueprintModel {
  if (repo.signing === model.signing) return model;
  let bySigning = repoModels.get(model);
  if (!bySigning) {
    bySigning = new Map();
    repoModels.set(model, bySigning);
  }
  let m = bySigning.get(repo.signing);
  if (!m) {
    m = { ...model, signing: repo.signing };
    bySigning.set(repo.signing, m);
  }
  return m;
}

/** true when every repository signs the same way as the default (no overrides in effect). */
export function singleSigner(model: BlueprintModel): boolean {
  return model.repositories.every((r) => r.signing === model.signing);
}
