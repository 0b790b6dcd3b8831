import { KmsProvider, parseKmsUri } from './kms-uri';
import { Problem } from './problems';
import { SecretScope } from './types';

/** The `kmsAuth` block each provider needs. */
export const KMS_AUTH_BLOCK: Record<KmsProvider, 'aws' | 'gcp' | 'azure' | 'vault'> = {
  [KmsProvider.AWS]: 'aws',
  [KmsProvider.GCP]: 'gcp',
  [KmsProvider.AZURE]: 'azure',
  [KmsProvider.HASHIVAULT]: 'vault',
};

const EXAMPLES: Record<string, string> = {
  aws: 'kmsAuth: { aws: { roleArn: "arn:aws:iam::111122223333:role/github-image-signing", region: eu-west-1 } }',
  gcp: 'kmsAuth: { gcp: { workloadIdentityProvider: "projects/123456789012/locations/global/workloadIdentityPools/github/providers/github" } }',
  azure: 'kmsAuth: { azure: { clientId: …, tenantId: … } }',
  vault: 'kmsAuth: { vault: { address: "https://vault.example.com:8200", role: image-signing } }',
};

/** Rules of a key block that signs with a KMS key (`kms` + `kmsAuth`); `path` is the key block's. */
export function kmsBlockProblems(k: Record<string, any>, path: string): Problem[] {
  const problems: Problem[] = [];
  if (k.kms === undefined) {
    if (k.kmsAuth !== undefined) {
      problems.push({ path: `${path}.kmsAuth`, message: 'is only used with kms (a KMS signing key)', fix: `set ${path}.kms to the key's URI, or remove kmsAuth` });
    }
    return problems;
  }
  if (k.privateKeyFile !== undefined) {
    problems.push({
      path: `${path}.privateKeyFile`,
      value: k.privateKeyFile,
      message: 'cannot be used with kms: a KMS key never leaves the KMS',
      fix: 'remove privateKeyFile (give publicKeyFile, from `cosign public-key --key <uri>`, to embed the public key)',
    });
  }
  if (k.secretScope === SecretScope.ORGANIZATION) {
    problems.push({
      path: `${path}.secretScope`,
      value: k.secretScope,
      message: 'organization has no meaning with kms: a KMS key provisions no secrets (the workflow logs in to the KMS with OIDC)',
      fix: 'remove secretScope (or use environment to run the signing job in a protected environment)',
    });
  }
  const parsed = typeof k.kms === 'string' ? parseKmsUri(k.kms) : 'invalid';
  if (typeof parsed === 'string') return problems; // the value check reports the URI itself
  const want = KMS_AUTH_BLOCK[parsed.provider];
  const auth = k.kmsAuth ?? {};
  if (auth[want] === undefined) {
    problems.push({
      path: `${path}.kmsAuth.${want}`,
      message: `is required with a ${parsed.provider}:// key: the signing workflow logs in to the provider with GitHub OIDC (no key or password in Actions secrets)`,
      fix: `add ${EXAMPLES[want]}`,
    });
  }
  for (const other of Object.keys(auth)) {
    if (other !== want) {
      problems.push({
        path: `${path}.kmsAuth.${other}`,
        message: `is for another provider; ${path}.kms is a ${parsed.provider}:// key`,
        fix: `remove kmsAuth.${other}`,
      });
    }
  }
  if (parsed.provider === KmsProvider.AWS && auth.aws !== undefined) {
    const region = auth.aws.region;
    if (region === undefined && parsed.region === undefined) {
      problems.push({
        path: `${path}.kmsAuth.aws.region`,
        message: `is required: ${k.kms} names no region (only key and alias ARNs carry one)`,
        fix: 'give the key\'s region, e.g. region: eu-west-1, or write kms as the key\'s ARN',
      });
    } else if (region !== undefined && parsed.region !== undefined && region !== parsed.region) {
      problems.push({
        path: `${path}.kmsAuth.aws.region`,
        value: region,
        message: `differs from the region of ${path}.kms (${parsed.region}): AWS KMS would not find the key`,
        fix: `set region: ${parsed.region}, or remove it`,
      });
    }
  }
  return problems;
}
