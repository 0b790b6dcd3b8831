import { KmsProvider } from '../config/kms-uri';
import { KmsAuthModel, KmsKeyModel } from '../model/model';

/*
 * How a signing workflow reaches a KMS key with GitHub OIDC, per provider, as each provider's
 * official action documents it (inputs checked in each action's action.yml at the pinned commit):
 * - AWS: aws-actions/configure-aws-credentials `role-to-assume`, `aws-region` (web identity from the
 *   job's OIDC token; cosign's AWS SDK reads the exported AWS_* credentials).
 * - Google Cloud: google-github-actions/auth `workload_identity_provider` [+ `service_account`]
 *   (writes a credentials file and exports GOOGLE_APPLICATION_CREDENTIALS for cosign's ADC).
 * - Azure: azure/login `client-id`, `tenant-id`, `subscription-id` (or `allow-no-subscriptions`)
 *   with a federated credential; cosign's DefaultAzureCredential then uses the Azure CLI login.
 * - Vault: a shell step, not hashicorp/vault-action (its newest release, v3.4.0, still declares
 *   node20, which hosted runners no longer provide: ISB-WF-005): it asks GitHub's OIDC endpoint
 *   for the job's token and logs in with Vault's JWT auth (`POST /v1/auth/<path>/login` with
 *   `role` and `jwt`), then exports the masked VAULT_TOKEN; cosign reads VAULT_ADDR, VAULT_TOKEN
 *   and TRANSIT_SECRET_ENGINE_PATH.
 * The identifiers (role ARN, region, provider, client/tenant ids, Vault address and role) are
 * non-secret Actions variables the Terraform stack provisions; the workflow reads `vars.*`.
 */

/** Pin map keys of the login actions (Vault logs in with a shell step: no action). */
export const KMS_LOGIN_PIN: Partial<Record<KmsProvider, string>> = {
  [KmsProvider.AWS]: 'configure-aws-credentials',
  [KmsProvider.GCP]: 'gcp-auth',
  [KmsProvider.AZURE]: 'azure-login',
};

/** The Actions variables (name → value) a KMS login reads; absent optional values are omitted. */
export function kmsVariables(auth: KmsAuthModel): Record<string, string> {
  const out: Record<string, string | undefined> = {};
  switch (auth.provider) {
    case KmsProvider.AWS:
      out.KMS_AWS_ROLE_ARN = auth.roleArn;
      out.KMS_AWS_REGION = auth.region;
      break;
    case KmsProvider.GCP:
      out.KMS_GCP_WORKLOAD_IDENTITY_PROVIDER = auth.workloadIdentityProvider;
      out.KMS_GCP_SERVICE_ACCOUNT = auth.serviceAccount;
      break;
    case KmsProvider.AZURE:
      out.KMS_AZURE_CLIENT_ID = auth.clientId;
      out.KMS_AZURE_TENANT_ID = auth.tenantId;
      out.KMS_AZURE_SUBSCRIPTION_ID = auth.subscriptionId;
      break;
    case KmsProvider.HASHIVAULT:
      out.KMS_VAULT_ADDR = auth.address;
      out.KMS_VAULT_ROLE = auth.role;
      break;
  }
  return Object.fromEntries(Object.entries(out).filter((e): e is [string, string] => e[1] !== undefined));
}

const v = (name: string) => `\${{ vars.${name} }}`;

/** The login step (before `cosign sign --key <uri>`); `uses` is the pinned `owner/repo@sha` (none for Vault). */
export function kmsLoginStep(kms: KmsKeyModel, uses: string | undefined): Record<string, any> {
  const a = kms.auth;
  switch (a.provider) {
    case KmsProvider.AWS:
      return {
        name: 'Log in to AWS KMS (GitHub OIDC)',
        uses,
        with: { 'role-to-assume': v('KMS_AWS_ROLE_ARN'), 'aws-region': v('KMS_AWS_REGION'), 'role-session-name': 'image-signing-${{ github.run_id }}' },
      };
    case KmsProvider.GCP: {
      const w: Record<string, any> = { workload_identity_provider: v('KMS_GCP_WORKLOAD_IDENTITY_PROVIDER') };
      if (a.serviceAccount) w.service_account = v('KMS_GCP_SERVICE_ACCOUNT');
      return { name: 'Log in to Google Cloud KMS (Workload Identity Federation)', uses, with: w };
    }
    case KmsProvider.AZURE: {
      const w: Record<string, any> = { 'client-id': v('KMS_AZURE_CLIENT_ID'), 'tenant-id': v('KMS_AZURE_TENANT_ID') };
      if (a.subscriptionId) w['subscription-id'] = v('KMS_AZURE_SUBSCRIPTION_ID');
      else w['allow-no-subscriptions'] = true;
      return { name: 'Log in to Azure Key Vault (federated credential)', uses, with: w };
    }
    case KmsProvider.HASHIVAULT: {
      const env: Record<string, string> = { VAULT_ADDR: v('KMS_VAULT_ADDR'), VAULT_ROLE: v('KMS_VAULT_ROLE') };
      if (a.namespace) env.VAULT_NAMESPACE = a.namespace;
      const aud = a.audience ? `&audience=${encodeURIComponent(a.audience)}` : '';
      const run = [
        'set -euo pipefail',
        `jwt="$(curl -sSf -H "Authorization: bearer \${ACTIONS_ID_TOKEN_REQUEST_TOKEN}" "\${ACTIONS_ID_TOKEN_REQUEST_URL}${aud}" | jq -r .value)"`,
        'body="$(jq -nc --arg role "$VAULT_ROLE" --arg jwt "$jwt" \'{role: $role, jwt: $jwt}\')"',
        `token="$(curl -sSf -X POST \${VAULT_NAMESPACE:+-H "X-Vault-Namespace: \${VAULT_NAMESPACE}"} --data "$body" "\${VAULT_ADDR}/v1/auth/${a.authPath}/login" | jq -r .auth.client_token)"`,
        'echo "::add-mask::${token}"',
        'echo "VAULT_TOKEN=${token}" >> "$GITHUB_ENV"',
      ].join('\n');
      return { name: 'Log in to Vault (JWT auth with GitHub OIDC)', env, run };
    }
  }
}

/** Environment of the cosign steps that use the KMS key (what cosign's provider client reads). */
export function kmsCosignEnv(kms: KmsKeyModel): Record<string, string> {
  const a = kms.auth;
  if (a.provider !== KmsProvider.HASHIVAULT) return {};
  const env: Record<string, string> = { VAULT_ADDR: v('KMS_VAULT_ADDR'), TRANSIT_SECRET_ENGINE_PATH: a.transitPath };
  if (a.namespace) env.VAULT_NAMESPACE = a.namespace;
  return env;
}
