import { ActionsOrganizationSecret } from '@cdktf/provider-github/lib/actions-organization-secret';
import { DataGithubActionsOrganizationPublicKey } from '@cdktf/provider-github/lib/data-github-actions-organization-public-key';
import { DataGithubRepository } from '@cdktf/provider-github/lib/data-github-repository';
import { GithubProvider } from '@cdktf/provider-github/lib/provider';
import { LocalBackend, TerraformStack } from 'cdktf';
import { Construct } from 'constructs';
import { sealedKeyPrecondition, signingSecretValues } from './sealed-box';
import { SealedSigningSecrets } from './sealed-secrets';

/** Props of a GitHubOrganizationSecretsStack. */
export interface GitHubOrganizationSecretsStackProps {
  /** The GitHub organization that owns the repositories. */
  readonly owner: string;
  /** Names (without owner) of the repositories allowed to read the secrets; at least one. */
  readonly repositories: string[];
  /** Public key PEM, for COSIGN_PUBLIC_KEY. */
  readonly publicKeyPem: string;
  /**
   * Secret values sealed to the organization's Actions public key; used instead of Terraform variables.
   * @default - sensitive Terraform variables supplied at apply time
   */
  readonly sealedSecrets?: SealedSigningSecrets;
}

/**
 * cdktf stack that provisions the signing secrets once as **organization** Actions secrets with
 * visibility `selected`, readable only by the blueprint's repositories (their ids are looked up
 * with `github_repository` data sources). The repositories' own GitHubSigningStacks then only
 * commit the workflow and cosign.pub. Values are sealed or sensitive variables, as in
 * GitHubSigningStack.
 */
export class GitHubOrganizationSecretsStack extends TerraformStack {
  /**
   * Stack id used by the blueprint for an organization's secrets stack. The `org-` prefix never
   * collides with the repository stacks (`github-<repo>`).
   */
  public static defaultStackId(owner: string): string {
    return `org-${owner.toLowerCase().replace(/[^a-z0-9-]+/g, '-')}`;
  }

  /** Names of the Terraform variables that must be set at apply time. */
  public readonly sensitiveVariables: string[];
  /** Names of the organization secrets this stack provisions. */
  public readonly provisionedSecrets: string[];

  constructor(scope: Construct, id: string, props: GitHubOrganizationSecretsStackProps) {
    super(scope, id);
    if (props.repositories.length === 0) {
      throw new Error('GitHubOrganizationSecretsStack: `repositories` needs at least one repository (visibility selected)');
    }
    new LocalBackend(this, { path: 'terraform.tfstate' });
    new GithubProvider(this, 'github', { owner: props.owner });

    const ids = new Set<string>();
    const repoIds = props.repositories.map((name, i) => {
      // repository names may hold "." and "_"; Terraform names may not start with a digit or hold "."
      let dataId = `repository-${name.toLowerCase().replace(/[^a-z0-9_-]/g, (c) => `_${c.charCodeAt(0).toString(16)}_`)}`;
      if (ids.has(dataId)) dataId = `${dataId}-${i}`;
      ids.add(dataId);
      return new DataGithubRepository(this, dataId, { fullName: `${props.owner}/${name}` }).repoId;
    });

    const sealed = props.sealedSecrets;
    const { values, variables } = signingSecretValues(this, props.publicKeyPem, sealed);
    const lifecycle = sealed
      ? sealedKeyPrecondition(new DataGithubActionsOrganizationPublicKey(this, 'actions-public-key'), sealed, `organization ${props.owner}`)
      : undefined;
    for (const v of values) {
      new ActionsOrganizationSecret(this, `secret-${v.name}`, {
        secretName: v.name,
        visibility: 'selected',
        selectedRepositoryIds: repoIds,
        plaintextValue: v.plaintextValue,
        encryptedValue: v.encryptedValue,
        lifecycle,
      });
    }
    this.sensitiveVariables = variables;
    this.provisionedSecrets = values.map((v) => v.name);
  }
}
