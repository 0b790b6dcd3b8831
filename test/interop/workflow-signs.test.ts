import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ImageSigningBlueprint } from '../../src';
import { renderWorkflow } from '../../src/github/workflow';
import { ImageVerifier } from '../../src/verify/image-verifier';
import { cosignEnv, cosignGenerateKeyPair, emptyTrustedRoot, cosignVerify, CosignFormat, CosignVersion, ok } from '../support/cosign';
import { keyConfig, tempDir } from '../support/fixtures';
import { describeWithInterop, requireInteropTool } from '../support/interop';
import { pushTinyImage, startRegistry, TestRegistry } from '../support/registry';
import { describeWithTool } from '../support/tools';

/**
 * The generated workflow really signs: the `run:` scripts of the signing steps our renderer
 * emits (key mode, tlog off; cosign v2 and v3.0/v3.1; legacy, bundle and both) are run as written
 * by bash with real cosign on PATH as `cosign`. Substituted, because GitHub provides them:
 *  - `${{ steps.build.outputs.digest }}` → the digest of an image pushed to the loopback registry;
 *  - the image name: the config names `ghcr.io/acme/web`, replaced by `127.0.0.1:PORT/acme/web`;
 *  - the secrets env (COSIGN_PRIVATE_KEY, COSIGN_PASSWORD) → a cosign generate-key-pair key;
 *  - RUNNER_TEMP → a temp folder.
 * Nothing else is changed. With the tlog on, cosign would upload to Rekor (rekor.sigstore.dev),
 * which cannot be reached here: those variants are not run (their flags are covered by parity).
 */
const PASSWORD = 'wf-pw';
const VERSIONS: Record<CosignVersion, string> = { 'cosign-v2': 'v2.6.5', 'cosign-v3.0': 'v3.0.6', 'cosign-v3': 'v3.1.3' };

describeWithTool('docker-registry', 'interop: the generated signing steps run as written', () => {
  describeWithInterop(['cosign-v2', 'cosign-v3', 'cosign-v3.0'], 'with real cosign against a loopback registry', () => {
    let reg: TestRegistry;
    let keys: { key: string; pub: string };
    let n = 0;
    beforeAll(async () => {
      reg = await startRegistry();
      keys = await cosignGenerateKeyPair('cosign-v3', PASSWORD);
    });
    afterAll(async () => { await reg?.stop(); });

    const cases: [CosignVersion, string][] = [];
    for (const v of Object.keys(VERSIONS) as CosignVersion[]) for (const f of ['legacy', 'bundle', 'both']) cases.push([v, f]);

    test.each(cases)('%s, signatureFormat %s, transparencyLog false', async (version, format) => {
      const cfg = keyConfig({
        signing: { mode: 'key', key: { publicKeyFile: 'cosign.pub' }, transparencyLog: false, cosign: { version: VERSIONS[version], signatureFormat: format } },
        // an engine that reads key-signed bundles (Kyverno >= 1.19), so every format reaches the renderer
        admission: { kyverno: { policy: 'ClusterPolicy', version: '1.19' } },
      });
      const dir = tempDir('isb-wf-');
      fs.copyFileSync(keys.pub, path.join(dir, 'cosign.pub'));
      const model = new ImageSigningBlueprint({ config: cfg, baseDir: dir })._model();
      const wf = renderWorkflow(model, model.repositories[0]).workflow;
      const steps: any[] = Object.values(wf.jobs).flatMap((j: any) => j.steps ?? []);
      const scripts = steps.filter((s) => typeof s.run === 'string' && /\bcosign (sign|signing-config)\b/.test(s.run)).map((s) => s.run as string);
      expect(scripts.length).toBeGreaterThan(0);

      const repo = `wf/${version.replace('.', '')}-${format}-${++n}`;
      const img = await pushTinyImage(reg, repo, 'v1', `wf ${n}\n`);
      const bin = tempDir('isb-wf-bin-');
      fs.symlinkSync(requireInteropTool(version), path.join(bin, 'cosign'));
      const script = scripts.join('\n')
        .split('${{ steps.build.outputs.digest }}').join(img.digest)
        .split('ghcr.io/acme/web').join(`${reg.host}/${repo}`);
      expect(script).not.toContain('${{');
      const env = cosignEnv({
        PATH: `${bin}:${process.env.PATH}`,
        RUNNER_TEMP: tempDir('isb-runner-'),
        COSIGN_PRIVATE_KEY: fs.readFileSync(keys.key, 'utf8'),
        COSIGN_PASSWORD: PASSWORD,
      });
      const r = spawnSync('bash', ['-euo', 'pipefail', '-c', script], { env, encoding: 'utf8', timeout: 120_000 });
      if (r.status !== 0) throw new Error(`generated script failed (${r.status}):\n${script}\n${r.stderr}`);

      const ref = `${reg.host}/${repo}@${img.digest}`;
      const formats: CosignFormat[] = format === 'both' ? ['legacy', 'bundle'] : [format as CosignFormat];
      // cosign v2.6.5 reads the bundle referrer whenever one exists, and then wants a trusted root
      // even in legacy mode (online it fetches the public one through TUF): give it the empty one
      const v2Both = version === 'cosign-v2' && format === 'both' ? ['--trusted-root', emptyTrustedRoot()] : [];
      for (const f of formats) ok(await cosignVerify(version, ref, { key: keys.pub, format: f, flags: f === 'legacy' ? v2Both : [] }));
      const v = new ImageVerifier({ publicKeyPems: [fs.readFileSync(keys.pub, 'utf8')], insecureIgnoreTlog: true, environment: { HOME: tempDir() }, retries: 0 });
      try {
        const res = await v.verify(ref);
        if (!res.verified) throw new Error(`ours: ${res.code} ${res.message} ${JSON.stringify(res.failures)}`);
        expect(res.signatures.map((s) => s.format).sort()).toEqual(formats.sort());
      } finally {
        v.close();
      }
    });
  });
});
