import { createHash } from 'node:crypto';
import { KmsAuthModel, KmsKeyModel } from './model';
import { KMS_AUTH_BLOCK } from '../config/kms-checks';
import { KmsProvider, parseKmsUri } from '../config/kms-uri';
import { Problem } from '../config/problems';
import { KeyConfig } from '../config/types';

/**
 * The KmsKeyModel of a key block with `kms` (the config validation has already reported a bad
 * URI or a missing `kmsAuth` block; this returns undefined for those).
 */
export function buildKmsKey(k: KeyConfig, path: string, problems: Problem[]): KmsKeyModel | undefined {
  const parsed = parseKmsUri(k.kms!);
  if (typeof parsed === 'string') {
    if (!problems.some((p) => p.path === path)) problems.push({ path, value: k.kms, message: parsed });
    return undefined;
  }
  const block = (k.kmsAuth as Record<string, any> | undefined)?.[KMS_AUTH_BLOCK[parsed.provider]];
  if (block === undefined) return undefined;
  let auth: KmsAuthModel;
  switch (parsed.provider) {
    case KmsProvider.AWS:
      auth = { provider: KmsProvider.AWS, roleArn: block.roleArn, region: block.region ?? parsed.region ?? '' };
      break;
    case KmsProvider.GCP:
      auth = { provider: KmsProvider.GCP, workloadIdentityProvider: block.workloadIdentityProvider, serviceAccount: block.serviceAccount };
      break;
    case KmsProvider.AZURE:
      auth = { provider: KmsProvider.AZURE, clientId: block.clientId, tenantId: block.tenantId, subscriptionId: block.subscriptionId };
      break;
    case KmsProvider.HASHIVAULT:
      auth = {
        provider: KmsProvider.HASHIVAULT,
        address: block.address,
        role: block.role,
        authPath: block.authPath ?? 'jwt',
        transitPath: block.transitPath ?? 'transit',
        audience: block.audience,
        namespace: block.namespace,
      };
      break;
  }
  const id = createHash('sha256').update(parsed.uri).digest('hex').slice(0, 16);
  return { uri: parsed.uri, provider: parsed.provider, parsed, auth, path, id };
}
