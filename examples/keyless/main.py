"""The keyless example through the Python API: the same blueprint as blueprint.yaml
(keyless signing, a CycloneDX SBOM, SLSA provenance, ImageValidatingPolicy + policy-controller).

    python examples/keyless/main.py [outdir]
"""
import os
import sys

from image_signing_blueprint import (
    AdmissionConfig, AttestationsConfig, BlueprintConfig, CosignConfig, FailureAction, GitHubConfig,
    ImageSigningBlueprint, KeylessConfig, KyvernoConfig, KyvernoPolicyType, PolicyControllerConfig,
    RepositoryConfig, SbomConfig, SbomFormat, SignatureFormat, SigningConfig, SigningMode,
    VerificationConfig, WorkflowConfig,
)

HERE = os.path.dirname(os.path.abspath(__file__))


def keyless_blueprint() -> ImageSigningBlueprint:
    return ImageSigningBlueprint(
        base_dir=HERE,
        config=BlueprintConfig(
            name="acme-app",
            github=GitHubConfig(owner="acme"),
            repositories=[RepositoryConfig(
                name="app",
                images=["ghcr.io/acme/app"],
                workflow=WorkflowConfig(
                    file="release.yml", branches=["main"], tags=["v*"],
                    platforms=["linux/amd64", "linux/arm64"],
                ),
            )],
            signing=SigningConfig(
                mode=SigningMode.KEYLESS,
                cosign=CosignConfig(version="v3.0.6", signature_format=SignatureFormat.BOTH),
                transparency_log=True,
                keyless=KeylessConfig(issuer="https://token.actions.githubusercontent.com"),
            ),
            attestations=AttestationsConfig(sbom=SbomConfig(format=SbomFormat.CYCLONEDX), provenance=True),
            admission=AdmissionConfig(
                failure_action=FailureAction.ENFORCE,
                kyverno=KyvernoConfig(policy=KyvernoPolicyType.IMAGE_VALIDATING_POLICY, version="1.19"),
                policy_controller=PolicyControllerConfig(enabled=True, version="0.15"),
            ),
            verification=VerificationConfig(ci=True),
        ),
    )


if __name__ == "__main__":
    out = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "example-out/keyless-py")
    result = keyless_blueprint().synth(out)
    print(f"wrote {len(result.files)} files to {result.outdir}")
