import * as fc from 'fast-check';
import { assess, Combo, ENGINES, label } from '../support/consistency';

/*
 * Issue 14, the property test: random points of the whole configuration space (1 to 3 clusters on
 * any engines, every dimension of Combo), with fast-check shrinking any counterexample to a
 * minimal config. Shrunk counterexamples found so far are regression tests in
 * regressions.test.ts. The seed is fixed so `npm test` is repeatable; set FC_SEED to explore.
 */

export const combo: fc.Arbitrary<Combo> = fc.record({
  mode: fc.constantFrom('key' as const, 'keyless' as const),
  cosign: fc.constantFrom('v2.6.4' as const, 'v3.0.5' as const),
  format: fc.constantFrom('legacy' as const, 'bundle' as const, 'both' as const),
  tlog: fc.boolean(),
  sbom: fc.constantFrom(undefined, 'cyclonedx' as const, 'spdx' as const),
  provenance: fc.boolean(),
  clusters: fc.array(fc.constantFrom(...ENGINES), { minLength: 1, maxLength: 3 }),
  failureAction: fc.constantFrom('Enforce' as const, 'Audit' as const),
  rotation: fc.constantFrom('none' as const, 'previous' as const, 'expired' as const),
  privateKey: fc.boolean(),
  namespaces: fc.boolean(),
  repositories: fc.constantFrom('one' as const, 'two' as const, 'shared' as const),
  extendsBase: fc.boolean(),
  mixedModes: fc.boolean(),
});

export const PROPERTY_RUNS = 120;

jest.setTimeout(300_000);

test(`${PROPERTY_RUNS} random configs: refused with located findings, or synthesized clean`, async () => {
  const started = Date.now();
  await fc.assert(
    fc.asyncProperty(combo, async (c) => {
      const o = await assess(c);
      if (o.violations.length > 0) throw new Error(`${label(c)}\n  ${o.violations.slice(0, 5).join('\n  ')}`);
    }),
    { numRuns: PROPERTY_RUNS, seed: Number(process.env.FC_SEED ?? 14), endOnFailure: false },
  );
  // eslint-disable-next-line no-console
  console.log(`property: ${PROPERTY_RUNS} configs in ${Date.now() - started} ms`);
});
