import { ActionsEnvironmentSecret } from '@cdktf/provider-github/lib/actions-environment-secret';
import { ActionsEnvironmentVariable } from '@cdktf/provider-github/lib/actions-environment-variable';
import { ActionsSecret } from '@cdktf/provider-github/lib/actions-secret';
import { ActionsVariable } from '@cdktf/provider-github/lib/actions-variable';
import { DataGithubActionsEnvironmentPublicKey } from '@cdktf/provider-github/lib/data-github-actions-environment-public-key';
import { DataGithubActionsPublicKey } from '@cdktf/provider-github/lib/data-github-actions-public-key';
import { GithubProvider } from '@cdktf/provider-github/lib/provider';
import { RepositoryEnvironment } from '@cdktf/provider-github/lib/repository-environment';
import { RepositoryFile } from '@cdktf/provider-github/lib/repository-file';
import { LocalBackend, TerraformStack } from 'cdktf';
import { Construct } from 'constructs';
import { sealedKeyPrecondition, signingSecretValues } from './sealed-box';
import { SealedSigningSecrets } from './sealed-secrets';
import { SecretScope } from '../config/types';

/**
 * `text` as a Terraform string literal: template sequences `${` and `%{` are escaped as `$${` and
 * `%%{`, so Terraform passes them through (the value Terraform sends is exactly `text`).
 */
function terraformLiteral(text: string): string {
  return text.replace(/\$\{/g, '$$${').replace(/%\{/g, '%%{');
}

/** A file the stack commits to the repository. */
export interface RepositoryFileSpec {
  /** path in the repository, e.g. `.github/workflows/build-sign.yml` */
  readonly path: string;
  /** file content */
  readonly content: string;
}

/** Props of a GitHubSigningStack. */
export interface GitHubSigningStackProps {
  /** GitHub owner (organization or user). */
  readonly owner: string;
  /** Repository name (without owner). */
  readonly repository: string;
  /**
   * Public key PEM for key-based signing: provisions COSIGN_PRIVATE_KEY, COSIGN_PASSWORD
   * (both from sensitive Terraform variables, or sealed, see sealedSecrets) and COSIGN_PUBLIC_KEY.
   * @default - keyless: no secrets
   */
  readonly publicKeyPem?: string;
  /**
   * Where the secrets live. With SecretScope.ORGANIZATION this stack provisions no secrets (a
   * GitHubOrganizationSecretsStack does) and only commits the repository files.
   * @default SecretScope.REPOSITORY
   */
  readonly secretScope?: SecretScope;
  /**
   * Secret values sealed to the repository's (or, with SecretScope.ENVIRONMENT, the
   * environment's) Actions public key; used instead of Terraform variables.
   * @default - sensitive Terraform variables supplied at apply time
   */
  readonly sealedSecrets?: SealedSigningSecrets;
  /**
   * Environment holding the secrets, with SecretScope.ENVIRONMENT.
   * @default - none
   */
  readonly environment?: string;
  /**
   * Files committed to the repository's default branch (the workflow, cosign.pub, .github/dependabot.yml).
   * @default []
   */
  readonly files?: RepositoryFileSpec[];
  /**
   * Non-secret Actions variables (name to value), e.g. the KMS login parameters of a KMS signing
   * key (role ARN, region, Workload Identity provider, Vault address). Environment variables of
   * `environment` with SecretScope.ENVIRONMENT, else repository variables.
   * @default - none
   */
  readonly actionsVariables?: Record<string, string>;
}

/**
 * cdktf stack that provisions the signing secrets of one repository (repository or environment
 * secrets) and commits its workflow and public key. The private key and password are either
 * **sealed at synth** to the Actions public key (`encrypted_value`: no plaintext in the files or
 * the state) or **sensitive Terraform variables** (`TF_VAR_cosign_private_key`,
 * `TF_VAR_cosign_password`) supplied at apply time; never plaintext in `cdk.tf.json`.
 */
export class GitHubSigningStack extends TerraformStack {
  /** Names of the Terraform variables that must be set at apply time. */
  public readonly sensitiveVariables: string[];
  /** Names of the Actions secrets this stack provisions (none with organization scope). */
  public readonly provisionedSecrets: string[];
  /** Names of the Actions variables this stack provisions. */
  public readonly provisionedVariables: string[];

  constructor(scope: Construct, id: string, props: GitHubSigningStackProps) {
    super(scope, id);
    const scopeKind = props.secretScope ?? SecretScope.REPOSITORY;
    if (scopeKind === SecretScope.ENVIRONMENT && !props.environment) {
      throw new Error('GitHubSigningStack: secretScope environment needs `environment`');
    }
    // relative state path: the synthesized JSON is the same on every machine
    new LocalBackend(this, { path: 'terraform.tfstate' });
    new GithubProvider(this, 'github', { owner: props.owner });
    this.sensitiveVariables = [];
    this.provisionedSecrets = [];
    this.provisionedVariables = [];
    let signingEnvironment: RepositoryEnvironment | undefined;
    const environment = () => {
      signingEnvironment ??= new RepositoryEnvironment(this, 'signing-environment', {
        repository: props.repository,
        environment: props.environment!,
      });
      return signingEnvironment;
    };

    if (props.publicKeyPem !== undefined && scopeKind !== SecretScope.ORGANIZATION) {
      const sealed = props.sealedSecrets;
      const { values, variables } = signingSecretValues(this, props.publicKeyPem, sealed);
      this.sensitiveVariables.push(...variables);
      if (scopeKind === SecretScope.ENVIRONMENT) {
        const env = environment();
        const lifecycle = sealed ? sealedKeyPrecondition(new DataGithubActionsEnvironmentPublicKey(this, 'actions-public-key', {
          repository: props.repository,
          environment: env.environment,
        }), sealed, `environment ${props.environment} of ${props.owner}/${props.repository}`) : undefined;
        for (const v of values) {
          new ActionsEnvironmentSecret(this, `secret-${v.name}`, {
            repository: props.repository,
            environment: env.environment,
            secretName: v.name,
            plaintextValue: v.plaintextValue,
            encryptedValue: v.encryptedValue,
            lifecycle,
          });
        }
      } else {
        const lifecycle = sealed ? sealedKeyPrecondition(new DataGithubActionsPublicKey(this, 'actions-public-key', {
          repository: props.repository,
        }), sealed, `${props.owner}/${props.repository}`) : undefined;
        for (const v of values) {
          new ActionsSecret(this, `secret-${v.name}`, {
            repository: props.repository,
            secretName: v.name,
            plaintextValue: v.plaintextValue,
            encryptedValue: v.encryptedValue,
            lifecycle,
          });
        }
      }
      this.provisionedSecrets.push(...values.map((v) => v.name));
    }

    for (const [name, value] of Object.entries(props.actionsVariables ?? {})) {
      if (scopeKind === SecretScope.ENVIRONMENT) {
        new ActionsEnvironmentVariable(this, `variable-${name}`, {
          repository: props.repository,
          environment: environment().environment,
          variableName: name,
          value,
        });
      } else {
        new ActionsVariable(this, `variable-${name}`, { repository: props.repository, variableName: name, value });
      }
      this.provisionedVariables.push(name);
    }

    for (const file of props.files ?? []) {
      new RepositoryFile(this, `file-${file.path.replace(/[^A-Za-z0-9]+/g, '-')}`, {
        repository: props.repository,
        file: file.path,
        // a literal in Terraform: `${{ github.sha }}` in a workflow would otherwise be parsed as a
        // Terraform template interpolation (tofu validate: "Missing key/value separator")
        content: terraformLiteral(file.content),
        commitMessage: `chore: update ${file.path} (image-signing-blueprint)`,
        overwriteOnCreate: true,
      });
    }
  }
}
