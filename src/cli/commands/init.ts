import * as fs from 'node:fs';
import * as path from 'node:path';
import { DEFAULT_COSIGN_VERSION } from '../../config/pins';
import { FailureAction, KyvernoPolicyType, SigningMode } from '../../config/types';
import { BlueprintError } from '../../errors';
import { defaultSignatureFormat } from '../../model/default-format';
import { ClusterModel, parseVersion } from '../../model/model';
import { CliIo } from '../io';

export interface InitOptions {
  readonly mode?: string;
  readonly out?: string;
  readonly owner?: string;
  readonly repository?: string;
  readonly image?: string;
  readonly force?: boolean;
}

/** The admission engine the starter configs target (their `admission.kyverno`). */
const STARTER_KYVERNO = { policy: KyvernoPolicyType.CLUSTER_POLICY, version: '1.16' };

/**
 * The starter's `cosign:` line: the default cosign release and the format the starter's engine
 * reads in this mode (the same decision synth makes when signatureFormat is left out).
 */
export function starterCosignLine(mode: SigningMode): string {
  const cluster: ClusterModel = {
    name: 'default',
    path: 'admission',
    failureAction: FailureAction.AUDIT,
    kyverno: { enabled: true, policy: STARTER_KYVERNO.policy, version: parseVersion(STARTER_KYVERNO.version) },
    policyController: { enabled: false, version: parseVersion('0.15') },
    skipImageReferences: [],
    registryCredentialSecrets: [],
    namespaces: [],
    airGapped: false,
  };
  const format = defaultSignatureFormat(mode, parseVersion(DEFAULT_COSIGN_VERSION), [cluster]);
  return `cosign: { version: ${DEFAULT_COSIGN_VERSION}, signatureFormat: ${format} }   # legacy | bundle | both; left out: what every engine targeted reads`;
}

function keyTemplate(owner: string, repo: string, image: string): string {
  return `# image-signing-blueprint config (format v1), key-based signing.
# Next steps:
#   1. image-signing-blueprint keygen          # writes cosign.key (keep it secret) and cosign.pub
#   2. image-signing-blueprint synth --config blueprint.yaml --out dist
name: ${repo}-images                 # used in resource names (DNS-1123 label)
github:
  owner: ${owner}
  dependabot: true                   # writes .github/dependabot.yml: weekly PRs for the pinned actions
repositories:
  - name: ${repo}
    images: [${image}]    # fully qualified, lowercase, no tag or digest
    workflow:
      file: build-sign.yml           # .github/workflows/<file>
      branches: [main]               # pushes to these refs build and sign
      tags: []                       # e.g. ["v*"]
      context: .
      dockerfile: Dockerfile
      platforms: [linux/amd64]       # more than one: signed with --recursive
signing:
  mode: key
  ${starterCosignLine(SigningMode.KEY)}
  transparencyLog: true              # false: --tlog-upload=false and verifiers ignore the tlog
  key:
    publicKeyFile: cosign.pub        # the private key never goes in this file
    secretScope: repository          # repository | environment (then also: environment: signing)
admission:
  failureAction: Audit               # start with Audit (report only); switch to Enforce when reports are clean
  kyverno: { policy: ${STARTER_KYVERNO.policy}, version: "${STARTER_KYVERNO.version}" }
verification:
  ci: true                           # a verify job checks what the cluster will check
`;
}

function keylessTemplate(owner: string, repo: string, image: string): string {
  return `# image-signing-blueprint config (format v1), keyless signing (Fulcio certificates, Rekor log).
# No key to manage: the signature is bound to this repository's workflow identity.
#   image-signing-blueprint synth --config blueprint.yaml --out dist
name: ${repo}-images                 # used in resource names (DNS-1123 label)
github:
  owner: ${owner}
  dependabot: true                   # writes .github/dependabot.yml: weekly PRs for the pinned actions
repositories:
  - name: ${repo}
    images: [${image}]    # fully qualified, lowercase, no tag or digest
    workflow:
      file: build-sign.yml           # the signing identity is this file at these refs
      branches: [main]
      tags: []                       # e.g. ["v*"]
signing:
  mode: keyless
  ${starterCosignLine(SigningMode.KEYLESS)}
  keyless:
    issuer: https://token.actions.githubusercontent.com
admission:
  failureAction: Audit               # start with Audit (report only); switch to Enforce when reports are clean
  kyverno: { policy: ${STARTER_KYVERNO.policy}, version: "${STARTER_KYVERNO.version}" }
verification:
  ci: true
`;
}

/** `init`: writes a commented starter config, and keeps cosign.key out of git. */
export async function initCommand(opts: InitOptions, io: CliIo): Promise<number> {
  const mode = opts.mode ?? 'key';
  if (mode !== 'key' && mode !== 'keyless') {
    io.err(`error: --mode must be "key" or "keyless" (got ${JSON.stringify(mode)})\n`);
    return 2;
  }
  const owner = opts.owner ?? 'acme';
  const repo = opts.repository ?? 'web';
  const image = opts.image ?? `ghcr.io/${owner.toLowerCase()}/${repo.toLowerCase()}`;
  const out = path.resolve(io.cwd, opts.out ?? 'blueprint.yaml');
  if (fs.existsSync(out) && !opts.force) {
    throw new BlueprintError('FILE_EXISTS', `${path.relative(io.cwd, out) || out} already exists; not overwriting it`, { fix: 'pass --force to replace it, or --out <other file>' });
  }
  const text = mode === 'key' ? keyTemplate(owner, repo, image) : keylessTemplate(owner, repo, image);
  fs.mkdirSync(path.dirname(out), { recursive: true });
  const tmp = `${out}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, out);
  io.out(`wrote ${path.relative(io.cwd, out) || out} (${mode} mode)\n`);
  if (mode === 'key') {
    const gi = path.join(path.dirname(out), '.gitignore');
    const existing = fs.existsSync(gi) ? fs.readFileSync(gi, 'utf8') : undefined;
    if (existing === undefined || !/^\/?cosign\.key$/m.test(existing)) {
      const add = `${existing && !existing.endsWith('\n') ? '\n' : ''}# private signing key: never commit it\ncosign.key\n`;
      fs.writeFileSync(gi, (existing ?? '') + add);
      io.out(`${existing === undefined ? 'wrote' : 'updated'} ${path.relative(io.cwd, gi)} (ignores cosign.key)\n`);
    }
    io.out('next: image-signing-blueprint keygen, then image-signing-blueprint synth\n');
  } else {
    io.out('next: image-signing-blueprint synth\n');
  }
  return 0;
}
