import * as fs from 'node:fs';
import * as path from 'node:path';
import { ImageSigningBlueprint } from '../../src';
import { DEFAULT_COSIGN_JOB_IMAGE } from '../../src/cluster/verification-job';
import { cosign, cosignGenerateKeyPair, cosignSign, CosignFormat, CosignVersion, ok } from '../support/cosign';
import { keyConfig, tempDir } from '../support/fixtures';
import { describeWithInterop } from '../support/interop';
import { pushTinyImage, startRegistry, TestRegistry } from '../support/registry';
import { describeWithTool } from '../support/tools';

/**
 * The in-cluster verification job runs as written. Its built-in image is the official cosign
 * v3.0.6 image (DEFAULT_COSIGN_JOB_IMAGE); the container image cannot be pulled here, so each
 * container's `args` run with the cosign v3.0.6 binary built from the same release
 * (interop/cosign-v3.0). Substituted, because the cluster provides them:
 *  - the ConfigMap's `cosign.pub` is written to a folder that stands for the mount `/etc/cosign`;
 *  - the image name `ghcr.io/acme/web` → `127.0.0.1:PORT/<repo>` (the loopback registry);
 *  - HOME/TUF_ROOT: an offline folder (the Pod's /tmp), never the network.
 * The job must pass for signatures made the way the generated workflow signs (cosign v2 legacy,
 * cosign v3 legacy and bundle) and fail for another key's signature and for an unsigned image.
 */
const PASSWORD = 'job-pw';

describeWithTool('docker-registry', 'interop: the in-cluster verification job verifies as written', () => {
  describeWithInterop(['cosign-v2', 'cosign-v3.0'], 'its container args, run with cosign v3.0.6', () => {
    let reg: TestRegistry;
    let keys: { key: string; pub: string };
    let other: { key: string; pub: string };
    let n = 0;
    beforeAll(async () => {
      reg = await startRegistry();
      keys = await cosignGenerateKeyPair('cosign-v3.0', PASSWORD);
      other = await cosignGenerateKeyPair('cosign-v3.0', PASSWORD);
    });
    afterAll(async () => { await reg?.stop(); });

    test('the built-in image is cosign v3.0.6, the release the test runs', () => {
      expect(DEFAULT_COSIGN_JOB_IMAGE).toMatch(/^ghcr\.io\/sigstore\/cosign\/cosign:v3\.0\.6@sha256:[0-9a-f]{64}$/);
    });

    /** the job's containers for a key blueprint signing with `version`/`format` (tlog off) */
    function jobContainers(version: string, format: CosignFormat): { args: string[]; configMap: Record<string, string> }[] {
      const dir = tempDir('isb-job-');
      fs.copyFileSync(keys.pub, path.join(dir, 'cosign.pub'));
      const cfg = keyConfig({
        signing: { mode: 'key', key: { publicKeyFile: 'cosign.pub' }, transparencyLog: false, cosign: { version, signatureFormat: format } },
        admission: { kyverno: { policy: 'ClusterPolicy', version: '1.19' } },
        verification: { cluster: { tags: ['v1'] } },
      });
      const objects = new ImageSigningBlueprint({ config: cfg, baseDir: dir })._render().clusterObjects.get('default')!;
      const cron = objects.find((o) => o.kind === 'CronJob');
      const configMap = objects.find((o) => o.kind === 'ConfigMap')!.data;
      const containers = cron.spec.jobTemplate.spec.template.spec.containers;
      expect(containers.map((c: any) => c.image)).toEqual([DEFAULT_COSIGN_JOB_IMAGE]);
      expect(cron.spec.jobTemplate.spec.template.spec.volumes.find((v: any) => v.name === 'cosign-pub').configMap.name).toBeDefined();
      return containers.map((c: any) => ({ args: c.args as string[], configMap }));
    }

    /** runs one container's args with cosign v3.0.6; returns the exit code */
    async function runJob(c: { args: string[]; configMap: Record<string, string> }, repo: string): Promise<{ code: number; out: string }> {
      const mount = tempDir('isb-job-mount-');
      for (const [k, v] of Object.entries(c.configMap)) fs.writeFileSync(path.join(mount, k), v);
      const args = c.args.map((a) => a.split('/etc/cosign/').join(`${mount}/`).split('ghcr.io/acme/web').join(`${reg.host}/${repo}`));
      expect(args.join(' ')).not.toMatch(/\/etc\/cosign|ghcr\.io/);
      const r = await cosign('cosign-v3.0', args);
      return { code: r.code, out: r.stderr + r.stdout };
    }

    const signers: [string, CosignVersion, string, CosignFormat][] = [
      ['cosign v2.6.5 legacy', 'cosign-v2', 'v2.6.5', 'legacy'],
      ['cosign v3.0.6 legacy', 'cosign-v3.0', 'v3.0.6', 'legacy'],
      ['cosign v3.0.6 bundle', 'cosign-v3.0', 'v3.0.6', 'bundle'],
    ];

    test.each(signers)('%s: signed with the policy key → the job passes; another key or no signature → it fails', async (_name, signer, version, format) => {
      const [container] = jobContainers(version, format);
      expect(container.args[0]).toBe('verify');
      expect(container.args).toContain('--insecure-ignore-tlog=true');

      const signed = `job/signed-${++n}`;
      const img = await pushTinyImage(reg, signed, 'v1', `job ${n}\n`);
      ok(await cosignSign(signer, `${reg.host}/${signed}@${img.digest}`, { key: keys.key, password: PASSWORD, format }));
      const pass = await runJob(container, signed);
      expect([pass.code, pass.out]).toEqual([0, expect.stringContaining(img.digest)]); // the log names the verified digest

      const wrong = `job/other-key-${n}`;
      const img2 = await pushTinyImage(reg, wrong, 'v1', `job other ${n}\n`);
      ok(await cosignSign(signer, `${reg.host}/${wrong}@${img2.digest}`, { key: other.key, password: PASSWORD, format }));
      expect((await runJob(container, wrong)).code).not.toBe(0);

      const unsigned = `job/unsigned-${n}`;
      await pushTinyImage(reg, unsigned, 'v1', `job unsigned ${n}\n`);
      const none = await runJob(container, unsigned);
      expect(none.code).not.toBe(0);
      expect(none.out).toMatch(/no signatures found|no matching signatures/i);
    }, 180_000);
  });
});
