import * as fs from 'node:fs';
import { VerifyError } from './errors';

/** The public-good Sigstore TUF repository whose seed `@sigstore/tuf` ships. */
export const PUBLIC_GOOD_TUF_MIRROR = 'https://tuf-repo-cdn.sigstore.dev';

export interface EmbeddedTrustedRoot {
  /** the TrustedRoot JSON text */
  readonly json: string;
  /** where it came from, for messages */
  readonly source: string;
}

/**
 * The public Sigstore trusted root (Fulcio CAs, Rekor logs, CT logs, TSA) as embedded in the
 * bundled `@sigstore/tuf`'s `seeds.json` (target `trusted_root.json` of the public-good TUF
 * repository). It is a snapshot taken when that package was released: nothing is fetched or
 * refreshed, so keys added to the public instance later are unknown (their signatures fail closed).
 */
export function publicGoodTrustedRoot(): EmbeddedTrustedRoot {
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
  return {
    json: Buffer.from(target, 'base64').toString('utf8'),
    source: `the public Sigstore trusted root embedded in @sigstore/tuf ${version} (seeds.json snapshot of ${PUBLIC_GOOD_TUF_MIRROR}, not refreshed)`,
  };
}
