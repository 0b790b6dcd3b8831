import * as fs from 'node:fs';
import { VerifyError } from './errors';

/** The public-good Sigstore TUF repository whose seed `@sigstore/tuf` ships. */
export const PUBLIC_GOOD_TUF_MIRROR = 'https://tuf-repo-cdn.sigstore.dev';

export interface EmbeddedTrustedRoot {
  /** the TrustedRoot JSON text */
  readonly json: string;
  /** where it came from, for messages */
  readonly source: string;
  /** `expires` of the seed's TUF root metadata (root.json), ISO 8601 */
  readonly rootExpires?: string;
  /**
   * Set when the seed's TUF root metadata has expired: the embedded trusted_root.json can no longer
   * be shown current through TUF, so it is used only with this warning (never silently).
   */
  readonly expiredWarning?: string;
}

/** `expires` of a TUF root.json (base64 in seeds.json), or undefined when unreadable. */
export function seedRootExpiry(rootB64: unknown): string | undefined {
  try {
    const e = JSON.parse(Buffer.from(String(rootB64), 'base64').toString('utf8'))?.signed?.expires;
    return typeof e === 'string' ? e : undefined;
  } catch {
    return undefined;
  }
}

/** The warning for an expired seed, naming the ways out. */
export function expiredSeedWarning(version: string, expires: string): string {
  return `the TUF root metadata embedded in @sigstore/tuf ${version} expired on ${expires}: its trusted_root.json snapshot is used `
    + 'without TUF proof that it is current (keys rotated since are unknown, revoked ones are still trusted). '
    + `Pass --tuf-mirror ${PUBLIC_GOOD_TUF_MIRROR} to refresh it through TUF (verified from the embedded root, cached in --tuf-cache DIR), `
    + 'or --trusted-root FILE with a current trusted_root.json (offline; for example the one a current cosign keeps under '
    + '~/.sigstore/root/tuf-repo-cdn.sigstore.dev/targets/)';
}

/**
 * The public Sigstore trusted root (Fulcio CAs, Rekor logs, CT logs, TSA) as embedded in the
 * bundled `@sigstore/tuf`'s `seeds.json` (target `trusted_root.json` of the public-good TUF
 * repository). It is a snapshot taken when that package was released: nothing is fetched or
 * refreshed, so keys added to the public instance later are unknown (their signatures fail closed).
 */
export function publicGoodTrustedRoot(now: Date = new Date()): EmbeddedTrustedRoot {
  let seeds: any;
  let version = '?';
  try {
    seeds = JSON.parse(fs.readFileSync(require.resolve('@sigstore/tuf/seeds.json'), 'utf8'));
    version = JSON.parse(fs.readFileSync(require.resolve('@sigstore/tuf/package.json'), 'utf8')).version ?? '?';
  } catch (e) {
    throw new VerifyError('TRUSTED_ROOT_INVALID', `cannot read the public Sigstore trusted root from @sigstore/tuf: ${(e as Error).message}`);
  }
  const target = seeds?.[PUBLIC_GOOD_TUF_MIRROR]?.targets?.['trusted_root.json'];
  if (typeof target !== 'string') {
    throw new VerifyError('TRUSTED_ROOT_INVALID', `@sigstore/tuf ${version} seeds.json has no trusted_root.json for ${PUBLIC_GOOD_TUF_MIRROR}`);
  }
  const rootExpires = seedRootExpiry(seeds?.[PUBLIC_GOOD_TUF_MIRROR]?.['root.json']);
  const expired = rootExpires === undefined || !(Date.parse(rootExpires) > now.getTime());
  return {
    json: Buffer.from(target, 'base64').toString('utf8'),
    source: `the public Sigstore trusted root embedded in @sigstore/tuf ${version} (seeds.json snapshot of ${PUBLIC_GOOD_TUF_MIRROR}, not refreshed`
      + `${rootExpires ? `, TUF root metadata expires ${rootExpires}` : ''})`,
    rootExpires,
    expiredWarning: expired ? expiredSeedWarning(version, rootExpires ?? '(unreadable expiry)') : undefined,
  };
}
