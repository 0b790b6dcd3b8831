"""The platform-team example through the Python API: the same blueprint as blueprint.yaml
(one key, two clusters on different engines, a scheduled in-cluster verification job).

    python examples/platform-team/main.py [outdir]
"""
import os
import sys

from image_signing_blueprint import (
    AdmissionConfig, AttestationsConfig, BlueprintConfig, ClusterConfig, ClusterVerificationConfig,
    CosignConfig, FailureAction, GitHubConfig, ImageSigningBlueprint, KeyConfig, KyvernoConfig,
    KyvernoPolicyType, PolicyControllerConfig, RegistryCredentialsConfig, RepositoryConfig, SbomConfig,
    SbomFormat, SignatureFormat, SigningConfig, SigningMode, VerificationConfig, WorkflowConfig,
)

HERE = os.path.dirname(os.path.abspath(__file__))


def platform_team_blueprint() -> ImageSigningBlueprint:
    return ImageSigningBlueprint(
        base_dir=HERE,  # cosign.pub is resolved relative to this folder
        config=BlueprintConfig(
            name="acme-platform",
            github=GitHubConfig(owner="acme"),
            repositories=[
                RepositoryConfig(name="web", images=["ghcr.io/acme/web"],
                                 workflow=WorkflowConfig(branches=["main"], tags=["v*"])),
                RepositoryConfig(name="api", images=["ghcr.io/acme/api", "docker.io/acme/api"]),
            ],
            signing=SigningConfig(
                mode=SigningMode.KEY,
                cosign=CosignConfig(version="v3.0.6", signature_format=SignatureFormat.LEGACY),
                key=KeyConfig(public_key_file="cosign.pub"),
            ),
            attestations=AttestationsConfig(sbom=SbomConfig(format=SbomFormat.CYCLONEDX), provenance=True),
            admission=AdmissionConfig(
                failure_action=FailureAction.ENFORCE,
                registry_credentials=RegistryCredentialsConfig(secrets=["registry-credentials"]),
                namespaces=["apps", "payments"],
            ),
            clusters=[
                ClusterConfig(
                    name="legacy-eu",
                    kyverno=KyvernoConfig(policy=KyvernoPolicyType.CLUSTER_POLICY, version="1.16"),
                    skip_image_references=["ghcr.io/acme/web:debug-*"],
                ),
                ClusterConfig(
                    name="prod-eu",
                    kyverno=KyvernoConfig(policy=KyvernoPolicyType.IMAGE_VALIDATING_POLICY, version="1.19"),
                    policy_controller=PolicyControllerConfig(enabled=True, version="0.15"),
                ),
            ],
            verification=VerificationConfig(
                ci=True,
                cluster=ClusterVerificationConfig(
                    schedule="0 */6 * * *", namespace="image-verification", tags=["latest"],
                    pull_secret="registry-credentials",
                ),
            ),
        ),
    )


if __name__ == "__main__":
    out = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "example-out/platform-team-py")
    result = platform_team_blueprint().synth(out)
    print(f"wrote {len(result.files)} files to {result.outdir}")
