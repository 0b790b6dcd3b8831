import { KmsProvider } from '../config/kms-uri';
import { kmsVariables } from '../github/kms-auth';
import { BlueprintModel, KeyModel, RepositoryModel } from '../model/model';

/*
 * The KMS part of RUNBOOK.md: what the signing identity and the verifiers need on the key, per
 * provider, from the calls cosign's KMS clients make (sigstore/sigstore pkg/signature/kms):
 * AWS Sign, GetPublicKey, DescribeKey; Google Cloud GetCryptoKey, Get/ListCryptoKeyVersions,
 * GetPublicKey, AsymmetricSign; Azure GetKey, Sign; Vault transit `keys/<name>` read,
 * `sign/<name>/sha2-256` write, and `verify/<name>/sha2-256` write to verify (the hashivault client
 * has Vault check signatures rather than checking them with the public key).
 */

interface Paths { terraformStackDir(repo: string): string }

function signerGrant(model: BlueprintModel, key: KeyModel, repos: readonly RepositoryModel[]): string[] {
  const kms = key.kms!;
  const subs = repos.flatMap((r) => r.identity.subjects.length > 0 ? r.workflow.branches.map((b) => `repo:${r.fullName}:ref:refs/heads/${b}`) : []);
  const sub = subs[0] ?? `repo:${model.owner}/<repository>:ref:refs/heads/main`;
  switch (kms.provider) {
    case KmsProvider.AWS:
      return [
        `The role \`${kms.auth.provider === KmsProvider.AWS ? kms.auth.roleArn : ''}\` must trust GitHub's OIDC provider`
        + ' (`token.actions.githubusercontent.com`, audience `sts.amazonaws.com`) for exactly the signing refs, e.g. condition'
        + ` \`token.actions.githubusercontent.com:sub\` = \`${sub}\`, and allow \`kms:Sign\`, \`kms:GetPublicKey\` and \`kms:DescribeKey\``
        + ` on the key \`${kms.parsed.keyId}\` (an asymmetric SIGN_VERIFY key, e.g. ECC_NIST_P256).`,
      ];
    case KmsProvider.GCP:
      return [
        'The Workload Identity pool must map `assertion.repository` and `assertion.ref` and only admit this blueprint\'s repositories'
        + ` (e.g. attribute condition \`assertion.repository == '${repos[0]?.fullName ?? `${model.owner}/<repository>`}'\`);`
        + ' the principal (or the impersonated service account) needs `roles/cloudkms.signerVerifier` and `roles/cloudkms.viewer`'
        + ` on the key \`${kms.parsed.keyId}\` (cosign reads the key and lists its versions, then calls AsymmetricSign).`,
      ];
    case KmsProvider.AZURE:
      return [
        `The app registration needs a federated credential for issuer \`https://token.actions.githubusercontent.com\`, subject \`${sub}\``
        + ' and audience `api://AzureADTokenExchange`, and the role **Key Vault Crypto User** (keys get + sign) on the key'
        + ` \`${kms.parsed.keyId}\` of \`${kms.parsed.vaultHost}\`.`,
      ];
    case KmsProvider.HASHIVAULT: {
      const a = kms.auth.provider === KmsProvider.HASHIVAULT ? kms.auth : undefined;
      return [
        `Vault needs the JWT auth method at \`${a?.authPath}\` with \`oidc_discovery_url=https://token.actions.githubusercontent.com\``
        + ` and a role \`${a?.role}\` with \`bound_claims\` on \`repository\`/\`ref\` (e.g. \`${repos[0]?.fullName ?? ''}\`, \`refs/heads/main\`),`
        + ` whose policy allows the transit key (mount \`${a?.transitPath}\`; cosign reads the public key, then signs the SHA-256 digest`
        + ` at \`sign/<key>/sha2-256\`${model.verification.ci ? '; the workflow\'s verify job has Vault check the signature at `verify/<key>/sha2-256`' : ''}):`,
        '',
        '```hcl',
        `path "${a?.transitPath}/sign/${kms.parsed.keyId}/sha2-256" { capabilities = ["update"] }`,
        `path "${a?.transitPath}/keys/${kms.parsed.keyId}" { capabilities = ["read"] }`,
        ...(model.verification.ci ? [`path "${a?.transitPath}/verify/${kms.parsed.keyId}/sha2-256" { capabilities = ["update"] }`] : []),
        '```',
      ];
    }
  }
}

function verifierGrant(key: KeyModel): string[] {
  const kms = key.kms!;
  const who = 'the Kyverno admission controller (`kyverno-admission-controller` ServiceAccount in `kyverno`), policy-controller\'s webhook '
    + '(`cosign-system`) and the verification job\'s ServiceAccount';
  switch (kms.provider) {
    case KmsProvider.AWS:
      return [`Grant ${who} \`kms:GetPublicKey\` and \`kms:DescribeKey\` on the key (EKS IRSA or Pod Identity on those ServiceAccounts).`];
    case KmsProvider.GCP:
      return [`Grant ${who} \`roles/cloudkms.publicKeyViewer\` and \`roles/cloudkms.viewer\` on the key (GKE Workload Identity).`];
    case KmsProvider.AZURE:
      return [`Grant ${who} keys/get on the key (e.g. **Key Vault Crypto User**, through AKS workload identity).`];
    case KmsProvider.HASHIVAULT: {
      const mount = kms.auth.provider === KmsProvider.HASHIVAULT ? kms.auth.transitPath : 'transit';
      return [`The verifiers need \`VAULT_ADDR\`, \`TRANSIT_SECRET_ENGINE_PATH\` and a \`VAULT_TOKEN\` in the environment of ${who},`
        + ' with this policy (cosign\'s Vault client reads the public key and has Vault check each signature); embedding the exported public key (above) avoids that:',
      '',
      '```hcl',
      `path "${mount}/keys/${kms.parsed.keyId}" { capabilities = ["read"] }`,
      `path "${mount}/verify/${kms.parsed.keyId}/sha2-256" { capabilities = ["update"] }`,
      '```'];
    }
  }
}

/** Section 1 for repositories that sign with a KMS key. */
export function renderKmsSection(
  model: BlueprintModel, kmsRepos: readonly RepositoryModel[], paths: Paths, L: string[], code: (...lines: string[]) => void,
): void {
  const byUri = new Map<string, { key: KeyModel; repos: RepositoryModel[] }>();
  for (const r of kmsRepos) {
    const k = r.signing.key!;
    const g = byUri.get(k.kms!.uri) ?? { key: k, repos: [] };
    g.repos.push(r);
    byUri.set(k.kms!.uri, g);
  }
  for (const [uri, { key, repos }] of byUri) {
    L.push(`### KMS key \`${uri}\``, '');
    L.push('No private key or password is stored in GitHub: the workflow logs in to the provider with the job\'s OIDC token'
      + ' (`id-token: write`) and runs `cosign sign --key ' + uri + '` on the pushed digest.', '');
    L.push(...signerGrant(model, key, repos), '');
    L.push('Export the public key (any machine with read access to the key):', '');
    code(`cosign public-key --key ${uri} > kms.pub`);
    if (key.publicKey) {
      L.push(`The config embeds it (\`${key.publicKeyFile ?? 'inline'}\`, SHA256:${key.publicKey.fingerprint}): the policies verify with that PEM,`
        + ' so the clusters need no access to the KMS. Re-export and compare after a key rotation in the KMS (ISB-KEY-001 compares it with the policies).', '');
    } else {
      L.push('Then set `publicKeyFile: kms.pub` next to `kms:` in the config and synthesize again: the policies then embed the PEM and',
        'the clusters need no KMS access. Until then the policies name the KMS key, and:', '');
      L.push(...verifierGrant(key), '');
    }
    const vars = kmsVariables(key.kms!.auth);
    L.push('The stack provisions these non-secret Actions variables (change them in the config, not in GitHub):', '');
    for (const [n, v] of Object.entries(vars)) L.push(`- \`${n}\` = \`${v}\``);
    L.push('');
    for (const r of repos) code(`cd ${paths.terraformStackDir(r.name)}`, 'terraform init && terraform apply   # GITHUB_TOKEN: repo and actions variables admin rights');
  }
}
