"""The repo-owner example through the Python API: the same blueprint as blueprint.yaml.

    pip install image-signing-blueprint
    python examples/repo-owner/main.py [outdir]
"""
import os
import sys

from image_signing_blueprint import (
    AdmissionConfig, BlueprintConfig, CosignConfig, FailureAction, GitHubConfig, ImageSigningBlueprint,
    KeyConfig, KyvernoConfig, KyvernoPolicyType, RepositoryConfig, SecretScope, SignatureFormat,
    SigningConfig, SigningMode, VerificationConfig, WorkflowConfig,
)

HERE = os.path.dirname(os.path.abspath(__file__))


def repo_owner_blueprint() -> ImageSigningBlueprint:
    return ImageSigningBlueprint(
        base_dir=HERE,  # cosign.pub is resolved relative to this folder
        config=BlueprintConfig(
            name="acme-web",
            github=GitHubConfig(owner="acme"),
            repositories=[RepositoryConfig(
                name="web",
                images=["ghcr.io/acme/web"],
                workflow=WorkflowConfig(file="build-sign.yml", branches=["main"], tags=["v*"]),
            )],
            signing=SigningConfig(
                mode=SigningMode.KEY,
                cosign=CosignConfig(version="v3.0.6", signature_format=SignatureFormat.LEGACY),
                transparency_log=True,
                key=KeyConfig(public_key_file="cosign.pub", secret_scope=SecretScope.REPOSITORY),
            ),
            admission=AdmissionConfig(
                failure_action=FailureAction.ENFORCE,
                kyverno=KyvernoConfig(policy=KyvernoPolicyType.CLUSTER_POLICY, version="1.16"),
            ),
            verification=VerificationConfig(ci=True),
        ),
    )


if __name__ == "__main__":
    out = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "example-out/repo-owner-py")
    result = repo_owner_blueprint().synth(out)
    print(f"wrote {len(result.files)} files to {result.outdir}")
