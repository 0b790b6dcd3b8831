import { createHash } from 'node:crypto';
import { TrustedRoot } from '@sigstore/protobuf-specs';
import { publicGoodTrustedRoot } from '../../src/verify/public-root';

describe('the public Sigstore trusted root embedded in @sigstore/tuf', () => {
  test('parses as a TrustedRoot with the public Fulcio CA, the Rekor log (log id = sha256 of its key), CT logs and a TSA', () => {
    const r = publicGoodTrustedRoot();
    expect(r.source).toMatch(/@sigstore\/tuf \d+\.\d+\.\d+ \(seeds.json snapshot of https:\/\/tuf-repo-cdn.sigstore.dev, not refreshed\)/);
    const root = TrustedRoot.fromJSON(JSON.parse(r.json));
    expect(root.certificateAuthorities.map((c) => c.uri)).toContain('https://fulcio.sigstore.dev');
    const rekor = root.tlogs.find((t) => t.baseUrl === 'https://rekor.sigstore.dev');
    expect(rekor).toBeDefined();
    expect(Buffer.from(rekor!.logId!.keyId).toString('hex')).toBe(createHash('sha256').update(rekor!.publicKey!.rawBytes!).digest('hex'));
    expect(root.ctlogs.length).toBeGreaterThan(0);
    expect(root.timestampAuthorities.length).toBeGreaterThan(0);
  });
});
