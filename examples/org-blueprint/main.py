"""The organization blueprint reused from Python: load the published blueprint.yaml (which
extends base.yaml), then add a repository and a cluster with overrides (as main.ts does).

    python examples/org-blueprint/main.py [outdir]
"""
import os
import sys

from image_signing_blueprint import (
    FailureAction, ImageSigningBlueprint, KyvernoConfig, KyvernoPolicyType, SigningConfig, SigningMode,
    WorkflowConfig,
)

HERE = os.path.dirname(os.path.abspath(__file__))


def org_blueprint_with_overrides() -> ImageSigningBlueprint:
    bp = ImageSigningBlueprint.from_file(os.path.join(HERE, "blueprint.yaml"))
    # a new keyless repository that also signs release tags
    # (jsii lifts a struct parameter to keyword arguments: add_repository(name=..., images=...))
    bp.add_repository(
        name="wiki",
        images=["ghcr.io/acme/wiki"],
        workflow=WorkflowConfig(tags=["v*"]),
        signing=SigningConfig(mode=SigningMode.KEYLESS),
    )
    # a second production cluster, still in the Audit stage
    bp.add_cluster(
        name="prod-us",
        kyverno=KyvernoConfig(policy=KyvernoPolicyType.IMAGE_VALIDATING_POLICY, version="1.19"),
        failure_action=FailureAction.AUDIT,
    )
    return bp


if __name__ == "__main__":
    out = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "example-out/org-blueprint-py")
    result = org_blueprint_with_overrides().synth(out)
    print(f"wrote {len(result.files)} files to {result.outdir}")
