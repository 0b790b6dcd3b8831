import { SECRET_NAMES } from './secrets';
import { SignatureFormat, SigningMode } from '../config/types';
import { hasSingleExactIdentity } from '../model/identity';
import { BlueprintModel, RepositoryModel } from '../model/model';

/**
 * cosign command lines, shared by the workflow, the runbook and the verification job so that
 * signer and verifier flags cannot drift apart.
 */

/** Flags that select how a signature is stored, per format, for the configured cosign release. */
function formatFlags(model: BlueprintModel, format: SignatureFormat.LEGACY | SignatureFormat.BUNDLE): string[] {
  const v3 = model.signing.cosignVersion.major >= 3;
  if (format === SignatureFormat.LEGACY) {
    // cosign v3 signs bundles by default; these keep the legacy `.sig` layout
    return v3 ? ['--new-bundle-format=false', '--use-signing-config=false'] : [];
  }
  return v3 ? [] : ['--new-bundle-format=true'];
}

/** The formats a sign step produces, in order. */
export function signFormats(model: BlueprintModel): (SignatureFormat.LEGACY | SignatureFormat.BUNDLE)[] {
  switch (model.signing.signatureFormat) {
    case SignatureFormat.LEGACY: return [SignatureFormat.LEGACY];
    case SignatureFormat.BUNDLE: return [SignatureFormat.BUNDLE];
    default: return [SignatureFormat.LEGACY, SignatureFormat.BUNDLE];
  }
}

/** `cosign sign …` arguments (without the image) for one format. */
export function signArgs(model: BlueprintModel, repo: RepositoryModel, format: SignatureFormat.LEGACY | SignatureFormat.BUNDLE): string[] {
  const args = ['cosign', 'sign', '--yes'];
  if (model.signing.mode === SigningMode.KEY) args.push(`--key env://${SECRET_NAMES.privateKey}`);
  args.push(...formatFlags(model, format));
  if (!model.signing.transparencyLog) args.push('--tlog-upload=false');
  if (repo.workflow.platforms.length > 1) args.push('--recursive');
  return args;
}

/** Identity or key flags for `cosign verify`, exactly what the admission policies use. */
export function verifyTrustArgs(model: BlueprintModel, repo: RepositoryModel, publicKeyPath = 'cosign.pub'): string[] {
  const args: string[] = [];
  if (model.signing.mode === SigningMode.KEY) {
    args.push(`--key ${publicKeyPath}`);
  } else {
    const id = repo.identity;
    args.push(hasSingleExactIdentity(repo) ? `--certificate-identity ${shellQuote(id.subjects[0])}` : `--certificate-identity-regexp ${shellQuote(id.subjectRegExp)}`);
    args.push(`--certificate-oidc-issuer ${shellQuote(id.issuer)}`);
  }
  if (!model.signing.transparencyLog) args.push('--insecure-ignore-tlog=true');
  return args;
}

export function verifyArgs(model: BlueprintModel, repo: RepositoryModel, publicKeyPath?: string): string[] {
  return ['cosign', 'verify', ...verifyTrustArgs(model, repo, publicKeyPath)];
}

/** Single-quote for POSIX shells when needed. */
export function shellQuote(s: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(s)) return s;
  return `'${s.replace(/'/g, '\'\\\'\'')}'`;
}
