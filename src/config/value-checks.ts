import { isImageName, parseImageName } from './image-name';
import { kmsProviderOf, kmsUriForms, parseKmsUri } from './kms-uri';
import { Problem } from './problems';
import { ValueCheck } from './schema';

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
  'must be a cosign release tag vMAJOR.MINOR.PATCH', 'e.g. "v3.0.6" (or a v2 release such as "v2.6.4")');

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

/** a host (with or without its port) on the loopback interface: localhost, 127.0.0.1, [::1] */
export function isLoopbackHost(host: string): boolean {
  const name = host.replace(/:\d+$/, '');
  return name === 'localhost' || name === '127.0.0.1' || name === '[::1]';
}

/** https, or plain http to the loopback interface only (a mirror sidecar, a test): a TUF mirror's metadata is signed, not its transport */
export const httpsOrLoopbackUrl: ValueCheck = (v: string, path) => {
  try {
    const u = new URL(v);
    const loopback = u.protocol === 'http:' && isLoopbackHost(u.host);
    if ((u.protocol === 'https:' || loopback) && !u.username && !u.password) return ok;
  } catch {
    // fall through
  }
  return [{ path, value: v, message: 'must be an https:// URL without credentials (http only to 127.0.0.1/localhost)', fix: 'e.g. "https://tuf.sigstore.example.com"' }];
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
  return isImageName(parsed) ? ok : [{ path, value: v, message: parsed.message, fix: parsed.fix, id: 'ISB-IMG-001' }];
};

/** Admission image patterns: engine wildcards allowed, but no expressions, spaces or empties. */
export const imagePattern: ValueCheck = (v: string, path) => {
  if (v === '' || /\s|\$\{|\{\{/.test(v)) {
    return [{ path, value: v, message: 'must be a non-empty image pattern without spaces or variables', fix: 'e.g. "ghcr.io/acme/web*"' }];
  }
  return ok;
};

/** `key` of GitHub's Actions secrets public key: standard base64 of a 32-byte X25519 public key. */
export const actionsPublicKey: ValueCheck = (v: string, path) => {
  const bytes = /^[A-Za-z0-9+/]{43}=$/.test(v) ? Buffer.from(v, 'base64') : undefined;
  if (bytes && bytes.length === 32) return ok;
  return [{
    path,
    value: v,
    message: 'must be the base64 `key` of a GitHub Actions secrets public key (32 bytes, 44 base64 characters)',
    fix: 'copy "key" from `gh api repos/OWNER/REPO/actions/secrets/public-key` (or orgs/OWNER/…)',
  }];
};

/** `key_id` of GitHub's Actions secrets public key (a decimal string today; kept opaque). */
export const actionsPublicKeyId = pattern(/^[A-Za-z0-9_=+/-]{1,128}$/,
  'must be the `key_id` of a GitHub Actions secrets public key',
  'copy "key_id" from the same `gh api …/secrets/public-key` answer as the key, and quote it in YAML');

/** A calendar date `YYYY-MM-DD` (UTC). */
export const isoDate: ValueCheck = (v: string, path) => {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(v);
  if (m) {
    const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
    if (d.getUTCFullYear() === Number(m[1]) && d.getUTCMonth() === Number(m[2]) - 1 && d.getUTCDate() === Number(m[3])) return ok;
  }
  return [{ path, value: v, message: 'must be a calendar date YYYY-MM-DD', fix: 'e.g. "2027-01-31" (quote it in YAML)' }];
};

/** DNS-1123 subdomain: Kubernetes object names such as Secrets. */
export const dnsSubdomain = pattern(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/,
  'must be a Kubernetes object name (DNS-1123 subdomain: lowercase letters, digits, "-" and ".")',
  'e.g. "registry-credentials"');

/** A Secret reference: `name` or `namespace/name`. */
export const secretRef: ValueCheck = (v: string, path) => {
  const parts = v.split('/');
  const okName = (n: string) => /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(n);
  if ((parts.length === 1 && okName(parts[0])) || (parts.length === 2 && /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(parts[0]) && okName(parts[1]))) return ok;
  return [{ path, value: v, message: 'must be a Secret name or namespace/name', fix: 'e.g. "regcred" or "kyverno/regcred"' }];
};

/** An image tag (distribution/reference grammar). */
export const imageTag = pattern(/^[\w][\w.-]{0,127}$/, 'must be an image tag', 'e.g. "latest" or "v1.2.3"');

/** A container image pinned by digest: `name[:tag]@sha256:<64 hex>`. */
export const imageByDigest: ValueCheck = (v: string, path) => {
  const m = /^([^@\s]+)@sha256:[0-9a-f]{64}$/.exec(v);
  if (m) {
    const name = m[1].replace(/:[\w][\w.-]{0,127}$/, '');
    if (isImageName(parseImageName(name))) return ok;
  }
  return [{
    path,
    value: v,
    message: 'must be a fully qualified image pinned by digest (name[:tag]@sha256:<64 hex>); a tag alone can be moved',
    fix: 'e.g. "ghcr.io/sigstore/cosign/cosign:v3.0.2@sha256:<digest from `crane digest`>"',
  }];
};

/** `owner/repo` on GitHub. */
export const githubFullRepo = pattern(/^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}\/(?!\.{1,2}$)[A-Za-z0-9._-]{1,100}$/,
  'must be a GitHub repository as owner/name',
  'e.g. "acme/release-tools"');

/** A full 40-hex commit SHA (lowercase, as GitHub prints it). */
export const fullSha = pattern(/^[0-9a-f]{40}$/,
  'must be a full 40-character lowercase commit SHA; tags and short SHAs can be moved or collide',
  'copy the SHA of the release commit, e.g. from `git ls-remote https://github.com/<owner>/<repo> refs/tags/<tag>`');

/** The version comment of a pin, e.g. `v4.2.2`. */
export const pinVersion = pattern(/^[A-Za-z0-9][A-Za-z0-9._+-]*$/,
  'must be the release tag of the pinned commit (letters, digits, ".", "_", "+", "-")',
  'e.g. "v4.2.2"');

/** `runs.using` of an action's action.yml, e.g. `node24`. */
export const actionRuntime = pattern(/^(?:node[0-9]{1,3}|docker|composite)$/,
  'must be the runs.using value of the action\'s action.yml: nodeNN, docker or composite',
  'e.g. "node24" (read it with `git show <sha>:action.yml`)');

/**
 * The ref a reusable signer workflow is called at: it ends up in the certificate SAN verbatim
 * (`…/.github/workflows/<file>@<ref>`), so it must be the full ref GitHub puts there.
 */
export const signerRef: ValueCheck = (v: string, path) => {
  if (/^[0-9a-f]{40}$/.test(v)) return ok;
  const m = /^refs\/(heads|tags)\/(.+)$/.exec(v);
  // eslint-disable-next-line no-control-regex
  if (m && !/[\s~^:\\*?[\x00-\x1f\x7f]|\.\.|@\{|\/$|\.lock$/.test(m[2])) return ok;
  return [{
    path,
    value: v,
    message: 'must be refs/tags/<tag>, refs/heads/<branch> or a full 40-hex commit SHA (the certificate names this exact ref; no patterns)',
    fix: /^[A-Za-z0-9._/-]+$/.test(v) && !v.startsWith('refs/') ? `use "refs/tags/${v}" for a tag or "refs/heads/${v}" for a branch` : 'e.g. "refs/tags/v1.2.0"',
  }];
};

/** A cosign KMS key reference (see kms-uri.ts for the forms of each provider). */
export const kmsUri: ValueCheck = (v: string, path) => {
  const parsed = parseKmsUri(v);
  if (typeof parsed !== 'string') return ok;
  const provider = kmsProviderOf(v);
  return [{
    path,
    value: v,
    message: parsed,
    fix: provider ? `write it as ${kmsUriForms(provider)}` : 'e.g. "awskms:///alias/image-signing" or "hashivault://image-signing"',
  }];
};

export const awsRoleArn = pattern(/^arn:(aws|aws-us-gov|aws-cn):iam::\d{12}:role\/[\w+=,.@\/-]{1,512}$/,
  'must be an IAM role ARN', 'e.g. "arn:aws:iam::111122223333:role/github-image-signing"');

export const awsRegion = pattern(/^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d$/, 'must be an AWS region', 'e.g. "eu-west-1"');

export const gcpWorkloadIdentityProvider = pattern(
  /^projects\/\d+\/locations\/global\/workloadIdentityPools\/[a-z0-9-]{4,32}\/providers\/[a-z0-9-]{4,32}$/,
  'must be the full resource name of a Workload Identity provider (project number, not id)',
  'e.g. "projects/123456789012/locations/global/workloadIdentityPools/github/providers/github" (gcloud iam workload-identity-pools providers describe … --format="value(name)")');

export const gcpServiceAccount = pattern(/^[a-z][a-z0-9-]{4,28}[a-z0-9]@[a-z0-9.-]+\.iam\.gserviceaccount\.com$/,
  'must be a service account email', 'e.g. "image-signer@my-project.iam.gserviceaccount.com"');

export const uuid = pattern(/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/,
  'must be a GUID', 'e.g. "00000000-0000-0000-0000-000000000000" (az ad app show --id … --query appId)');

export const vaultMountPath = pattern(/^[A-Za-z0-9_-]+(\/[A-Za-z0-9_-]+)*$/,
  'must be a Vault mount path without leading or trailing "/"', 'e.g. "jwt" or "transit"');

export const vaultName = pattern(/^[A-Za-z0-9_.-]{1,128}$/, 'must be a Vault role or namespace name', 'e.g. "image-signing"');
