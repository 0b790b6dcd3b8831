import { assess, Combo, Engine, label } from '../support/consistency';

/*
 * Issue 14, the combination matrix: every signing mode x cosign version (v2 and v3, explicitly,
 * whatever the default is) x signature format x tlog x attestations (none, SBOM, GitHub
 * provenance, both) x three cluster layouts that together cover ClusterPolicy 1.16 and 1.19,
 * ImageValidatingPolicy 1.16 and 1.19 and policy-controller, several clusters on different
 * engines. The secondary dimensions (Enforce/Audit, rotation with previous and expired keys, a
 * cosign.key at hand, namespaces, two repositories with or without a shared pattern, per-repository
 * signing, `extends:`) rotate with the index, so each of their values meets every core value.
 * Invariant (test/support/consistency.ts): refused with located findings, or clean.
 */

const LAYOUTS: Engine[][] = [['cp-1.16', 'pc'], ['cp-1.19', 'ivpol-1.16'], ['ivpol-1.19+pc']];

export function matrix(): Combo[] {
  const out: Combo[] = [];
  let i = 0;
  for (const mode of ['key', 'keyless'] as const) {
    for (const cosign of ['v2.6.4', 'v3.0.5'] as const) {
      for (const format of ['legacy', 'bundle', 'both'] as const) {
        for (const tlog of [true, false]) {
          for (const att of [0, 1, 2, 3]) {
            for (const clusters of LAYOUTS) {
              out.push({
                mode,
                cosign,
                format,
                tlog,
                clusters,
                sbom: att % 2 === 1 ? (i % 2 ? 'spdx' : 'cyclonedx') : undefined,
                provenance: att >= 2,
                failureAction: i % 3 === 2 ? 'Audit' : 'Enforce',
                rotation: (['none', 'previous', 'expired'] as const)[i % 3],
                privateKey: i % 4 === 1,
                namespaces: i % 5 < 2,
                repositories: (['one', 'two', 'shared'] as const)[Math.floor(i / 2) % 3],
                extendsBase: i % 7 < 3,
                mixedModes: i % 11 < 4,
              });
              i++;
            }
          }
        }
      }
    }
  }
  return out;
}

jest.setTimeout(300_000);

describe('the configuration matrix is consistent', () => {
  const combos = matrix();

  test(`${combos.length} configs: refused with located findings, or synthesized clean`, async () => {
    const started = Date.now();
    let refused = 0;
    const broken: string[] = [];
    for (const c of combos) {
      const o = await assess(c);
      if (o.refused) refused++;
      if (o.violations.length > 0) broken.push(`${label(c)}\n    ${o.violations.slice(0, 5).join('\n    ')}`);
    }
    // eslint-disable-next-line no-console
    console.log(`matrix: ${combos.length} configs (${refused} refused by the loader, ${combos.length - refused} synthesized) in ${Date.now() - started} ms`);
    expect(broken).toEqual([]);
    // both sides of the invariant are exercised
    expect(refused).toBeGreaterThan(20);
    expect(combos.length - refused).toBeGreaterThan(140);
  });
});
