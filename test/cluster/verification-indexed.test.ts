import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { renderVerificationObjects } from '../../src/cluster/verification-job';
import { validateConfig } from '../../src/config/load';
import { ConfigError } from '../../src/config/problems';
import { buildModel } from '../../src/model/build';
import { keyConfig, projectDir, tempDir } from '../support/fixtures';

/*
 * verification.cluster.parallelism > 1: an Indexed Job whose pods each verify their share of the
 * images. The pod script is run here with a real /bin/sh and a stand-in `cosign` on PATH that
 * records its arguments, once per JOB_COMPLETION_INDEX, as the Job controller would start them.
 */

const SHELL_IMAGE = `registry.example.com/tools/cosign-with-shell:v2.6.4@sha256:${'c'.repeat(64)}`;
const IMAGES = Array.from({ length: 25 }, (_, i) => `ghcr.io/acme/img${i}`);

function cronJob(cluster: Record<string, unknown>) {
  const m = buildModel(validateConfig(keyConfig({
    repositories: [{ name: 'web', images: IMAGES }],
    verification: { cluster: { tags: ['latest'], ...cluster } },
  })), { baseDir: projectDir() });
  return renderVerificationObjects(m).find((o) => o.kind === 'CronJob')!;
}

describe('Indexed verification Job', () => {
  const job = cronJob({ parallelism: 3, image: SHELL_IMAGE });
  const spec = job.spec.jobTemplate.spec;
  const pod = spec.template.spec;

  test('completionMode Indexed, completions = parallelism, one hardened container running /bin/sh -c', () => {
    expect(spec.completionMode).toBe('Indexed');
    expect(spec.completions).toBe(3);
    expect(spec.parallelism).toBe(3);
    expect(spec.backoffLimit).toBe(0);
    expect(pod.containers).toHaveLength(1);
    const c = pod.containers[0];
    expect(c.image).toBe(SHELL_IMAGE);
    expect(c.command).toEqual(['/bin/sh', '-c']);
    expect(c.securityContext).toMatchObject({ runAsNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
  });

  describe('the pod script (2 pods, 3 chunks of images), run by /bin/sh for every index', () => {
    const script: string = cronJob({ parallelism: 2, image: SHELL_IMAGE }).spec.jobTemplate.spec.template.spec.containers[0].args[0];
    const bin = tempDir();
    const log = path.join(bin, 'calls.log');
    // stand-in cosign: records its argv, fails for img7
    fs.writeFileSync(path.join(bin, 'cosign'), `#!/bin/sh\nprintf '%s\\n' "$*" >> "${log}"\ncase "$*" in *img7:latest*) exit 1 ;; esac\nexit 0\n`, { mode: 0o755 });
    const run = (index: string) => {
      fs.rmSync(log, { force: true });
      const r = spawnSync('/bin/sh', ['-c', script], { env: { PATH: `${bin}:/usr/bin:/bin`, JOB_COMPLETION_INDEX: index }, encoding: 'utf8' });
      const calls = fs.existsSync(log) ? fs.readFileSync(log, 'utf8').trim().split('\n') : [];
      return { status: r.status, calls, stderr: r.stderr };
    };
    const results = ['0', '1'].map(run);

    test('every image is verified exactly once across the pods, each run with the policy key', () => {
      const verified = results.flatMap((r) => r.calls.flatMap((c) => c.split(' ').filter((w) => w.startsWith('ghcr.io/'))));
      expect(verified.sort()).toEqual(IMAGES.map((i) => `${i}:latest`).sort());
      for (const r of results) for (const c of r.calls) expect(c.startsWith('verify --key=/etc/cosign/cosign.pub ')).toBe(true);
      expect(results.every((r) => r.calls.length > 0)).toBe(true);
    });

    test('the pod whose slice holds a failing image exits 1 after running its other verifications; the others exit 0', () => {
      // chunks dealt round-robin: pod 0 runs chunks 0 and 2 (img0-9, img20-24), pod 1 chunk 1 (img10-19)
      expect(results.map((r) => r.calls.length)).toEqual([2, 1]);
      expect(results[0].calls[0]).toContain('img7:latest');
      expect(results[0].calls[1]).toContain('img24:latest'); // still run after the failure
      expect(results.map((r) => r.status)).toEqual([1, 0]);
    });

    test('an index outside the job exits 2', () => {
      expect(run('9').status).toBe(2);
    });
  });

  test('keyless identity regexps reach cosign intact through the shell (^, $, backslashes, parentheses, |)', () => {
    const m = buildModel(validateConfig({
      name: 'acme',
      github: { owner: 'acme' },
      repositories: [
        { name: 'web', images: ['ghcr.io/acme/web'], workflow: { branches: ['main'], tags: ['v*'] } },
        { name: 'api', images: ['ghcr.io/acme/api'] },
      ],
      signing: { mode: 'keyless' },
      verification: { cluster: { parallelism: 2, image: SHELL_IMAGE } },
    }), { baseDir: projectDir() });
    const keylessJob = renderVerificationObjects(m).find((o) => o.kind === 'CronJob')!;
    const script = keylessJob.spec.jobTemplate.spec.template.spec.containers[0].args[0];
    const bin = tempDir();
    fs.writeFileSync(path.join(bin, 'cosign'), '#!/bin/sh\nfor a in "$@"; do printf \'%s\\n\' "$a"; done\n', { mode: 0o755 });
    const argsOf = (index: string) => spawnSync('/bin/sh', ['-c', script], { env: { PATH: `${bin}:/usr/bin:/bin`, JOB_COMPLETION_INDEX: index }, encoding: 'utf8' })
      .stdout.trim().split('\n');
    const web = m.repositories.find((r) => r.name === 'web')!.identity.subjectRegExp;
    const all = [...argsOf('0'), ...argsOf('1')];
    expect(all).toContain(`--certificate-identity-regexp=${web}`);
    expect(web).toMatch(/^\^https:\/\/github\\\.com\/acme\/web\/.*\(\?:heads\/main\|tags\/v.*\$$/);
    expect(all).toContain('--certificate-oidc-issuer=https://token.actions.githubusercontent.com');
  });

  test('parallelism above the number of chunks is capped (25 images = 3 chunks of 10)', () => {
    expect(cronJob({ parallelism: 8, image: SHELL_IMAGE }).spec.jobTemplate.spec.completions).toBe(3);
  });

  test('parallelism 1 (the default) keeps one Pod with a container per chunk and no shell', () => {
    const spec1 = cronJob({}).spec.jobTemplate.spec;
    expect(spec1.completionMode).toBeUndefined();
    expect(spec1.template.spec.containers).toHaveLength(3);
    expect(spec1.template.spec.containers[0].command).toBeUndefined();
  });

  test('parallelism > 1 without an image (the official one has no shell) is a config error naming the path', () => {
    expect.assertions(3);
    try {
      cronJob({ parallelism: 2 });
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      expect((e as ConfigError).problems[0].path).toBe('verification.cluster.parallelism');
      expect((e as ConfigError).problems[0].fix).toMatch(/cosign image with a shell/);
    }
  });

  test('parallelism must be a whole number from 1 to 100', () => {
    for (const bad of [0, 1.5, 101, '2']) {
      expect(() => cronJob({ parallelism: bad, image: SHELL_IMAGE })).toThrow(/verification\.cluster\.parallelism: must be a whole number from 1 to 100/);
    }
  });
});
