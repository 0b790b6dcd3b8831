import { isAnchored, hasUnescapedDot, goRegexpMatch } from '../../src/checks/matchers/go-regexp';
import { validateConfig } from '../../src/config/load';
import { ConfigError } from '../../src/config/problems';
import { buildModel } from '../../src/model/build';
import { cosignIdentityFlags, deriveIdentity, identityFields } from '../../src/model/identity';
import { projectDir } from '../support/fixtures';

const ISSUER = 'https://token.actions.githubusercontent.com';

function keylessModel(workflow: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) {
  const cfg = {
    name: 'acme',
    github: { owner: 'acme' },
    repositories: [{ name: 'app', images: ['ghcr.io/acme/app'], workflow: { file: 'build.yml', ...workflow } }],
    signing: { mode: 'keyless' },
    ...extra,
  };
  return buildModel(validateConfig(cfg), { baseDir: projectDir() });
}

function configProblems(cfg: any): { path: string; message: string }[] {
  try {
    buildModel(validateConfig(cfg), { baseDir: projectDir() });
    return [];
  } catch (e) {
    if (e instanceof ConfigError) return e.problems.map((p) => ({ path: p.path, message: p.message }));
    throw e;
  }
}

// The SAN format is fixed by Fulcio's GitHub template (cosign-formats.md §b):
// https://github.com/{job_workflow_ref}, job_workflow_ref = owner/repo/.github/workflows/<file>@<ref>
const SAN = (ref: string, repo = 'acme/app', file = 'build.yml') => `https://github.com/${repo}/.github/workflows/${file}@${ref}`;

describe('identity of a workflow in the repository itself', () => {
  test('one branch: an exact subject, the GitHub issuer, no regexp needed', () => {
    const f = identityFields(keylessModel({ branches: ['main'] }).repositories[0]);
    expect(f).toEqual({ subject: SAN('refs/heads/main'), issuer: ISSUER });
  });

  test('branch + tag pattern: one anchored, dot-escaped regexp (Go semantics) that admits exactly the triggered refs', () => {
    const f = identityFields(keylessModel({ branches: ['main'], tags: ['v*'] }).repositories[0]);
    expect(f.subject).toBeUndefined();
    const re = f.subjectRegExp!;
    expect(isAnchored(re)).toBe(true);
    expect(hasUnescapedDot(re)).toBe(false);
    expect(f.issuer).toBe(ISSUER);
    for (const ok of [SAN('refs/heads/main'), SAN('refs/tags/v1.2.3'), SAN('refs/tags/v2')]) expect(goRegexpMatch(re, ok)).toBe(true);
    for (const bad of [
      SAN('refs/heads/main', 'acme/app-evil'), // another repository whose name extends ours
      SAN('refs/heads/main', 'acme-evil/app'), // another owner
      SAN('refs/heads/main', 'evil/app'),
      SAN('refs/heads/main-x'), // a branch that extends the allowed one
      SAN('refs/heads/feature'),
      SAN('refs/heads/main', 'acme/app', 'other.yml'), // another workflow file of the same repository
      SAN('refs/heads/main', 'acme/app', 'buildXyml'), // the dot is literal
      SAN('refs/tags/v1/evil'), // `*` in a tag filter does not cross `/`
      SAN('refs/tags/x1.0'),
      `${SAN('refs/heads/main')}x`,
      `x${SAN('refs/heads/main')}`,
      SAN('refs/heads/main').replace('https://github.com/', 'https://github.com.evil.example/'),
    ]) expect([bad, goRegexpMatch(re, bad)]).toEqual([bad, false]);
  });

  test('several literal branches: regexp covers both, nothing more; subjects lists both SANs', () => {
    const repo = keylessModel({ branches: ['main', 'release'] }).repositories[0];
    expect(repo.identity.subjects).toEqual([SAN('refs/heads/main'), SAN('refs/heads/release')]);
    const re = identityFields(repo).subjectRegExp!;
    expect(goRegexpMatch(re, SAN('refs/heads/release'))).toBe(true);
    expect(goRegexpMatch(re, SAN('refs/heads/releases'))).toBe(false);
  });

  test('an unanchored regexp would have matched the near-misses (the tests can fail)', () => {
    const re = identityFields(keylessModel({ branches: ['main'], tags: ['v*'] }).repositories[0]).subjectRegExp!;
    const unanchored = re.slice(1, -1);
    expect(goRegexpMatch(unanchored, `${SAN('refs/heads/main')}-x`)).toBe(true);
    expect(goRegexpMatch(re, `${SAN('refs/heads/main')}-x`)).toBe(false);
  });

  test('deriveIdentity: `**` crosses `/`, `*` does not', () => {
    const id = deriveIdentity({ owner: 'acme', repo: 'app', workflowPath: '.github/workflows/build.yml', branches: ['release/**'], tags: [], issuer: ISSUER });
    expect(goRegexpMatch(id.subjectRegExp, SAN('refs/heads/release/1/2'))).toBe(true);
    const one = deriveIdentity({ owner: 'acme', repo: 'app', workflowPath: '.github/workflows/build.yml', branches: ['release/*'], tags: [], issuer: ISSUER });
    expect(goRegexpMatch(one.subjectRegExp, SAN('refs/heads/release/1'))).toBe(true);
    expect(goRegexpMatch(one.subjectRegExp, SAN('refs/heads/release/1/2'))).toBe(false);
  });
});

describe('identity with a reusable signer workflow', () => {
  const signer = { repository: 'acme/release-tools', file: 'sign.yml', ref: 'refs/tags/v1.2.0' };

  test('the SAN is the called workflow at its ref (job_workflow_ref), plus the calling repository', () => {
    const repo = keylessModel({ branches: ['main'], tags: ['v*'], signerWorkflow: signer }).repositories[0];
    const f = identityFields(repo);
    expect(f).toEqual({
      subject: 'https://github.com/acme/release-tools/.github/workflows/sign.yml@refs/tags/v1.2.0',
      issuer: ISSUER,
      githubWorkflowRepository: 'acme/app',
    });
    expect(repo.workflow.signer!.uses).toBe('acme/release-tools/.github/workflows/sign.yml@v1.2.0');
    // the caller's own workflow is not the signer
    expect(f.subject).not.toContain('acme/app/');
  });

  test('its regexp form is anchored and exact too', () => {
    const repo = keylessModel({ signerWorkflow: signer }).repositories[0];
    const re = repo.identity.subjectRegExp;
    expect(goRegexpMatch(re, 'https://github.com/acme/release-tools/.github/workflows/sign.yml@refs/tags/v1.2.0')).toBe(true);
    for (const bad of [
      'https://github.com/acme/release-tools/.github/workflows/sign.yml@refs/tags/v1.2.01',
      'https://github.com/acme/release-tools/.github/workflows/sign.yml@refs/tags/v1x2x0',
      'https://github.com/acme/release-tools-evil/.github/workflows/sign.yml@refs/tags/v1.2.0',
      'https://github.com/acme/release-tools/.github/workflows/other.yml@refs/tags/v1.2.0',
    ]) expect(goRegexpMatch(re, bad)).toBe(false);
  });

  test('a SHA ref stays a SHA in both the SAN and uses:', () => {
    const sha = '0123456789abcdef0123456789abcdef01234567';
    const repo = keylessModel({ signerWorkflow: { ...signer, ref: sha } }).repositories[0];
    expect(repo.identity.subjects).toEqual([`https://github.com/acme/release-tools/.github/workflows/sign.yml@${sha}`]);
    expect(repo.workflow.signer!.uses).toBe(`acme/release-tools/.github/workflows/sign.yml@${sha}`);
  });

  test('cosign flags carry the workflow-repository constraint', () => {
    const repo = keylessModel({ signerWorkflow: signer }).repositories[0];
    expect(cosignIdentityFlags(identityFields(repo)).map((f) => f.flag)).toEqual([
      '--certificate-identity', '--certificate-oidc-issuer', '--certificate-github-workflow-repository',
    ]);
  });

  test('config errors: short ref, pattern ref, key mode, bad repository', () => {
    const base = (workflow: any, signing: any = { mode: 'keyless' }) => ({
      name: 'acme', github: { owner: 'acme' }, repositories: [{ name: 'app', images: ['ghcr.io/acme/app'], workflow }], signing,
    });
    const p1 = configProblems(base({ signerWorkflow: { ...signer, ref: 'v1.2.0' } }));
    expect(p1.map((p) => p.path)).toEqual(['repositories[0].workflow.signerWorkflow.ref']);
    const p2 = configProblems(base({ signerWorkflow: { ...signer, ref: 'refs/tags/v*' } }));
    expect(p2.map((p) => p.path)).toEqual(['repositories[0].workflow.signerWorkflow.ref']);
    const p3 = configProblems(base({ signerWorkflow: signer }, { mode: 'key', key: { publicKeyFile: 'cosign.pub' } }));
    expect(p3.map((p) => p.path)).toEqual(['repositories[0].workflow.signerWorkflow']);
    const p4 = configProblems(base({ signerWorkflow: { ...signer, repository: 'release-tools' } }));
    expect(p4.map((p) => p.path)).toEqual(['repositories[0].workflow.signerWorkflow.repository']);
  });
});

describe('keyless without a transparency log', () => {
  test('is a config error naming signing.transparencyLog', () => {
    const problems = configProblems({
      name: 'acme',
      github: { owner: 'acme' },
      repositories: [{ name: 'app', images: ['ghcr.io/acme/app'] }],
      signing: { mode: 'keyless', transparencyLog: false },
    });
    expect(problems).toHaveLength(1);
    expect(problems[0].path).toBe('signing.transparencyLog');
    expect(problems[0].message).toMatch(/10 minutes/);
  });
});
