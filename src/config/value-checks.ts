import { Problem } from './problems';
import { ValueCheck } from './schema';
import { isImageName, parseImageName } from '../model/image-name';

const ok: Problem[] = [];

function pattern(re: RegExp, message: string, fix: string): ValueCheck {
  return (v: string, path) => (re.test(v) ? ok : [{ path, message, value: v, fix }]);
}

/** DNS-1123 label: used in Kubernetes and Terraform resource names. */
export const dnsLabel = pattern(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/,
  'must be a DNS-1123 label (lowercase letters, digits and "-", at most 63, starting and ending alphanumeric)',
  'e.g. "acme-images"');

export const githubOwner = pattern(/^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$/,
  'must be a GitHub user or organization name (letters, digits, single hyphens, at most 39)',
  'use the owner as it appears in https://github.com/<owner>');

export const githubRepo = pattern(/^(?!\.{1,2}$)[A-Za-z0-9._-]{1,100}$/,
  'must be a GitHub repository name (letters, digits, ".", "_", "-")',
  'use the name as it appears in https://github.com/<owner>/<name>');

export const workflowFile = pattern(/^[A-Za-z0-9][A-Za-z0-9._-]*\.ya?ml$/,
  'must be a file name ending in .yml or .yaml, without directories',
  'e.g. "build-sign.yml" (it is written to .github/workflows/)');

/** git ref names (branches) and GitHub filter patterns; no spaces, no `..`, no control chars. */
export const refPattern: ValueCheck = (v: string, path) => {
  // eslint-disable-next-line no-control-regex
  if (v === '' || /[\s~^:\\\x00-\x1f\x7f]|\.\.|@\{|^\/|\/$|\.lock$|^refs\//.test(v)) {
    return [{
      path,
      value: v,
      message: 'must be a branch or tag name (or a GitHub filter pattern such as v*), without "refs/", spaces, "..", "~", "^", ":" or "\\"',
      fix: v.startsWith('refs/') ? `use ${JSON.stringify(v.replace(/^refs\/(heads|tags)\//, ''))}` : 'e.g. "main" or "v*"',
    }];
  }
  return ok;
};

export const relativeFile: ValueCheck = (v: string, path) => {
  if (v === '') return [{ path, message: 'must not be empty', fix: 'name a file, e.g. "cosign.pub"' }];
  return ok;
};

export const buildPath: ValueCheck = (v: string, path) => {
  // these land inside YAML of the workflow; keep them plain paths
  if (v === '' || /\$\{\{|[\n\r]/.test(v)) {
    return [{ path, value: v, message: 'must be a plain relative path (no expressions or newlines)', fix: 'e.g. "." or "docker/Dockerfile"' }];
  }
  return ok;
};

export const platform = pattern(/^[a-z0-9]+\/[a-z0-9_]+(\/[a-z0-9]+)?$/,
  'must be an OCI platform os/arch[/variant]', 'e.g. "linux/amd64" or "linux/arm64"');

export const cosignVersion = pattern(/^v[0-9]+\.[0-9]+\.[0-9]+$/,
  'must be a cosign release tag vMAJOR.MINOR.PATCH', 'e.g. "v2.6.4"');

export const kyvernoVersion = pattern(/^1\.[0-9]{1,2}$/,
  'must be a Kyverno minor version 1.N', 'e.g. "1.16"');

export const policyControllerVersion = pattern(/^0\.[0-9]{1,2}$/,
  'must be a policy-controller minor version 0.N', 'e.g. "0.15"');

export const httpsUrl: ValueCheck = (v: string, path) => {
  try {
    const u = new URL(v);
    if (u.protocol === 'https:' && !u.username && !u.password) return ok;
  } catch {
    // fall through
  }
  return [{ path, value: v, message: 'must be an https:// URL without credentials', fix: 'e.g. "https://rekor.sigstore.dev"' }];
};

export const cronSchedule: ValueCheck = (v: string, path) => {
  const fields = v.trim().split(/\s+/);
  if (fields.length === 5 && fields.every((f) => /^[0-9*,\/-]+$|^[A-Za-z]{3}$/.test(f))) return ok;
  return [{ path, value: v, message: 'must be a 5-field cron schedule', fix: 'e.g. "0 */6 * * *"' }];
};

export const ruleId = pattern(/^ISB-[A-Z]+-[0-9]{3}$/, 'must be a rule id such as ISB-IMG-003', 'see RULES.md for the ids');

export const nonEmptyReason: ValueCheck = (v: string, path) =>
  (v.trim().length >= 3 ? ok : [{ path, message: 'must give a reason; suppressions without one are not accepted', fix: 'say why this finding is acceptable here' }]);

export const imageNameCheck: ValueCheck = (v: string, path) => {
  const parsed = parseImageName(v);
  return isImageName(parsed) ? ok : [{ path, value: v, message: parsed.message, fix: parsed.fix }];
};

/** Admission image patterns: engine wildcards allowed, but no expressions, spaces or empties. */
export const imagePattern: ValueCheck = (v: string, path) => {
  if (v === '' || /\s|\$\{|\{\{/.test(v)) {
    return [{ path, value: v, message: 'must be a non-empty image pattern without spaces or variables', fix: 'e.g. "ghcr.io/acme/web*"' }];
  }
  return ok;
};
