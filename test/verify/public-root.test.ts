import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { TrustedRoot } from '@sigstore/protobuf-specs';
import { publicGoodTrustedRoot, seedRootExpiry } from '../../src/verify/public-root';

describe('the public Sigstore trusted root embedded in @sigstore/tuf', () => {
  test('parses as a TrustedRoot with the public Fulcio CA, the Rekor log (log id = sha256 of its key), CT logs and a TSA', () => {
    const r = publicGoodTrustedRoot();
    expect(r.source).toMatch(/@sigstore\/tuf \d+\.\d+\.\d+ \(seeds.json snapshot of https:\/\/tuf-repo-cdn.sigstore.dev, not refreshed, TUF root metadata expires \d{4}-\d\d-\d\dT[\d:]+Z\)/);
    const root = TrustedRoot.fromJSON(JSON.parse(r.json));
    expect(root.certificateAuthorities.map((c) => c.uri)).toContain('https://fulcio.sigstore.dev');
    const rekor = root.tlogs.find((t) => t.baseUrl === 'https://rekor.sigstore.dev');
    expect(rekor).toBeDefined();
    expect(Buffer.from(rekor!.logId!.keyId).toString('hex')).toBe(createHash('sha256').update(rekor!.publicKey!.rawBytes!).digest('hex'));
    expect(root.ctlogs.length).toBeGreaterThan(0);
    expect(root.timestampAuthorities.length).toBeGreaterThan(0);
  });
});

describe('the embedded seed is never trusted silently once its TUF root metadata expired', () => {
  const seeds = JSON.parse(fs.readFileSync(require.resolve('@sigstore/tuf/seeds.json'), 'utf8'));
  const expires = seedRootExpiry(seeds['https://tuf-repo-cdn.sigstore.dev']['root.json'])!;

  test('the expiry is read from the seed\'s root.json', () => {
    const signed = JSON.parse(Buffer.from(seeds['https://tuf-repo-cdn.sigstore.dev']['root.json'], 'base64').toString()).signed;
    expect(signed._type).toBe('root');
    expect(expires).toBe(signed.expires);
    expect(publicGoodTrustedRoot().rootExpires).toBe(expires);
  });
  test('before the expiry: no warning; after it: a warning naming --tuf-mirror and --trusted-root', () => {
    const t = Date.parse(expires);
    expect(publicGoodTrustedRoot(new Date(t - 1000)).expiredWarning).toBeUndefined();
    const w = publicGoodTrustedRoot(new Date(t + 1000)).expiredWarning;
    expect(w).toContain(`expired on ${expires}`);
    expect(w).toContain('--trusted-root FILE');
    expect(w).toContain('--tuf-mirror https://tuf-repo-cdn.sigstore.dev');
  });
});
