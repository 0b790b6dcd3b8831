import { ActionsEnvironmentSecret } from '@cdktf/provider-github/lib/actions-environment-secret';
import { ActionsSecret } from '@cdktf/provider-github/lib/actions-secret';
import { GithubProvider } from '@cdktf/provider-github/lib/provider';
import { RepositoryEnvironment } from '@cdktf/provider-github/lib/repository-environment';
import { RepositoryFile } from '@cdktf/provider-github/lib/repository-file';
import { LocalBackend, TerraformStack, TerraformVariable } from 'cdktf';
import { Construct } from 'constructs';
import { SECRET_NAMES, TF_VARIABLES } from './secrets';
import { SecretScope } from '../config/types';

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
   * (both from sensitive Terraform variables) and COSIGN_PUBLIC_KEY.
   * @default - keyless: no secrets
   */
  readonly publicKeyPem?: string;
  /**
   * Where the secrets live.
   * @default SecretScope.REPOSITORY
   */
  readonly secretScope?: SecretScope;
  /**
   * Environment holding the secrets, with SecretScope.ENVIRONMENT.
   * @default - none
   */
  readonly environment?: string;
  /**
   * Files committed to the repository's default branch (the workflow, cosign.pub).
   * @default []
   */
  readonly files?: RepositoryFileSpec[];
}

/**
 * cdktf stack that provisions the signing secrets of one repository and commits its workflow
 * and public key. The private key and password are **sensitive Terraform variables**
 * (`TF_VAR_cosign_private_key`, `TF_VAR_cosign_password`) supplied at apply time, so they
 * never appear in `cdk.tf.json`.
 */
export class GitHubSigningStack extends TerraformStack {
  /** Names of the Terraform variables that must be set at apply time. */
  public readonly sensitiveVariables: string[];

  constructor(scope: Construct, id: string, props: GitHubSigningStackProps) {
    super(scope, id);
    const scopeKind = props.secretScope ?? SecretScope.REPOSITORY;
    if (scopeKind === SecretScope.ORGANIZATION) {
      throw new Error('GitHubSigningStack: organization secrets are provisioned by an organization stack; use secretScope repository or environment here');
    }
    if (scopeKind === SecretScope.ENVIRONMENT && !props.environment) {
      throw new Error('GitHubSigningStack: secretScope environment needs `environment`');
    }
    // relative state path: the synthesized JSON is the same on every machine
    new LocalBackend(this, { path: 'terraform.tfstate' });
    new GithubProvider(this, 'github', { owner: props.owner });
    this.sensitiveVariables = [];

    if (props.publicKeyPem !== undefined) {
      const privateKey = new TerraformVariable(this, TF_VARIABLES.privateKey, {
        type: 'string',
        sensitive: true,
        nullable: false,
        description: 'cosign.key (ENCRYPTED SIGSTORE PRIVATE KEY PEM). Set TF_VAR_cosign_private_key="$(cat cosign.key)" at apply time.',
      });
      const password = new TerraformVariable(this, TF_VARIABLES.password, {
        type: 'string',
        sensitive: true,
        nullable: false,
        description: 'Password of cosign.key. Set TF_VAR_cosign_password at apply time.',
      });
      this.sensitiveVariables.push(TF_VARIABLES.privateKey, TF_VARIABLES.password);

      const values: [string, string][] = [
        [SECRET_NAMES.privateKey, privateKey.stringValue],
        [SECRET_NAMES.password, password.stringValue],
        [SECRET_NAMES.publicKey, props.publicKeyPem],
      ];
      if (scopeKind === SecretScope.ENVIRONMENT) {
        const env = new RepositoryEnvironment(this, 'signing-environment', {
          repository: props.repository,
          environment: props.environment!,
        });
        for (const [name, value] of values) {
          new ActionsEnvironmentSecret(this, `secret-${name}`, {
            repository: props.repository,
            environment: env.environment,
            secretName: name,
            plaintextValue: value,
          });
        }
      } else {
        for (const [name, value] of values) {
          new ActionsSecret(this, `secret-${name}`, {
            repository: props.repository,
            secretName: name,
            plaintextValue: value,
          });
        }
      }
    }

    for (const file of props.files ?? []) {
      new RepositoryFile(this, `file-${file.path.replace(/[^A-Za-z0-9]+/g, '-')}`, {
        repository: props.repository,
        file: file.path,
        content: file.content,
        commitMessage: `chore: update ${file.path} (image-signing-blueprint)`,
        overwriteOnCreate: true,
      });
    }
  }
}
