import { SigningMode } from '../../config/types';
import { SECRET_NAMES } from '../../github/secrets';
import { RawFinding, Rule } from '../types';
import { repoPath } from './util';

const PROVISIONED_TYPES = ['github_actions_secret', 'github_actions_environment_secret', 'github_actions_organization_secret'];

/** Secret names a Terraform JSON provisions. */
export function provisionedSecrets(tf: any): Set<string> {
  const out = new Set<string>();
  for (const t of PROVISIONED_TYPES) {
    for (const r of Object.values<any>(tf?.resource?.[t] ?? {})) if (typeof r.secret_name === 'string') out.add(r.secret_name);
  }
  return out;
}

export const ISB_KEY_002: Rule = {
  id: 'ISB-KEY-002',
  level: 'error',
  title: 'Secret names the workflow reads differ from the secrets the stack provisions',
  explanation: 'The signing step reads COSIGN_PRIVATE_KEY and COSIGN_PASSWORD from Actions secrets; if the '
    + 'Terraform stack provisions other names (or none), the secret expands to an empty string and cosign fails, '
    + 'or worse prompts and hangs.',
  fix: 'Use the names cosign\'s github:// provider uses (COSIGN_PRIVATE_KEY, COSIGN_PASSWORD, COSIGN_PUBLIC_KEY) in both places.',
  check(ctx) {
    if (!ctx.model.repositories.some((r) => r.signing.mode === SigningMode.KEY)) return [];
    const out: RawFinding[] = [];
    const keyRepos = new Set(ctx.model.repositories.filter((r) => r.signing.mode === SigningMode.KEY).map((r) => r.name));
    const all = new Set<string>();
    for (const tf of ctx.artifacts.terraform.values()) for (const s of provisionedSecrets(tf)) all.add(s);
    for (const w of ctx.artifacts.workflows.values()) {
      const repo = w.repo;
      const text = ctx.artifacts.files.get(w.file) ?? JSON.stringify(w.workflow);
      const read = new Set([...text.matchAll(/secrets\.([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1]));
      for (const name of read) {
        if (name === 'GITHUB_TOKEN' || name.startsWith('REGISTRY_')) continue;
        if (!all.has(name)) out.push({ path: repoPath(ctx.model, repo), message: `${w.file} reads secrets.${name}, which no Terraform stack provisions` });
      }
      // keyless repositories read no signing secrets: other repositories' stacks provision them
      for (const name of keyRepos.has(repo) ? [SECRET_NAMES.privateKey, SECRET_NAMES.password] : []) {
        if (all.has(name) && !read.has(name)) out.push({ path: repoPath(ctx.model, repo), message: `the stack provisions ${name} but ${w.file} never reads it`, level: 'warning' });
      }
    }
    return out;
  },
};
