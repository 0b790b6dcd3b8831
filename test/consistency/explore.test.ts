import { assess, Combo, ENGINES } from '../support/consistency';

jest.setTimeout(600_000);
test('explore', async () => {
  const combos: Combo[] = [];
  for (const mode of ['key', 'keyless'] as const) for (const cosign of ['v2.6.4', 'v3.0.5'] as const)
    for (const format of ['legacy', 'bundle', 'both'] as const) for (const tlog of [true, false])
      for (const att of [0, 1, 2, 3]) for (const e of ENGINES) {
        combos.push({ mode, cosign, format, tlog, sbom: att & 1 ? 'cyclonedx' : undefined, provenance: !!(att & 2), clusters: [e], failureAction: 'Enforce',
          rotation: mode === 'key' && att === 1 ? 'previous' : 'none', privateKey: false, namespaces: false, repositories: att === 3 ? 'two' : 'one', extendsBase: false });
      }
  const t0 = Date.now();
  const groups = new Map<string, string[]>();
  let refused = 0;
  for (const c of combos) {
    const o = await assess(c);
    if (o.refused) refused++;
    for (const v of o.violations) {
      const k = v.replace(/SHA256:[0-9a-f]+/g, 'SHA').replace(/ClusterPolicy\/\S+|ImageValidatingPolicy\/\S+|ClusterImagePolicy\/\S+/g, 'OBJ').slice(0, 220);
      const g = groups.get(k) ?? [];
      g.push(`${c.mode} ${c.cosign} ${c.format} tlog=${c.tlog} sbom=${!!c.sbom} prov=${c.provenance} ${c.clusters} ${c.repositories}${o.refused ? ' REFUSED' : ''}`);
      groups.set(k, g);
    }
  }
  const lines = [`${combos.length} combos, ${refused} refused, ${Date.now() - t0} ms`];
  for (const [k, g] of [...groups].sort((a, b) => b[1].length - a[1].length)) lines.push(`${g.length}x ${k}\n    e.g. ${g.slice(0, 3).join(' | ')}`);
  require('fs').writeFileSync('/tmp/wt14-explore.txt', lines.join('\n'));
});
