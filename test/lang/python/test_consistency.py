"""A consistency finding caught from Python (run by test/lang/python.test.ts in a fresh venv).

The README's ISB-IMG-002 case: admission.imageReferences ["ghcr.io/acme/web"] forgets that
Kyverno compares against the normalized ghcr.io/acme/web@sha256:..., so the pattern protects
nothing. check() reports it as a structured finding; synth() refuses with ChecksFailedError,
which jsii raises in Python as RuntimeError("ChecksFailedError: ..."), and writes nothing.
A constructor's error (ConfigError) arrives as RuntimeError(message); its __cause__ names the class.
"""
import os

import pytest

from image_signing_blueprint import (
    AdmissionConfig, BlueprintConfig, FindingLevel, GitHubConfig, ImageSigningBlueprint, KeyConfig,
    KyvernoConfig, KyvernoPolicyType, RepositoryConfig, SigningConfig, SigningMode,
)

EXAMPLE = os.path.join(os.environ["ISB_EXAMPLES"], "repo-owner")


def blueprint(image_references=None, images=("ghcr.io/acme/web",)) -> ImageSigningBlueprint:
    return ImageSigningBlueprint(
        base_dir=EXAMPLE,
        config=BlueprintConfig(
            name="acme-web",
            github=GitHubConfig(owner="acme"),
            repositories=[RepositoryConfig(name="web", images=list(images))],
            signing=SigningConfig(mode=SigningMode.KEY, key=KeyConfig(public_key_file="cosign.pub")),
            admission=AdmissionConfig(
                image_references=image_references,
                kyverno=KyvernoConfig(policy=KyvernoPolicyType.CLUSTER_POLICY, version="1.16"),
            ),
        ),
    )


def test_derived_patterns_pass_the_checks():
    errors = [f for f in blueprint().check() if f.level == FindingLevel.ERROR]
    assert errors == []


def test_check_reports_isb_img_002_as_a_structured_finding():
    findings = blueprint(image_references=["ghcr.io/acme/web"]).check()
    errors = [f for f in findings if f.level == FindingLevel.ERROR and not f.suppressed]
    assert [f.id for f in errors] == ["ISB-IMG-002"]
    assert errors[0].path == "admission"
    assert '"ghcr.io/acme/web"' in errors[0].message
    assert "imageReferences" in errors[0].fix


def test_synth_raises_checks_failed_and_writes_nothing(tmp_path):
    out = tmp_path / "dist"
    with pytest.raises(RuntimeError) as info:
        blueprint(image_references=["ghcr.io/acme/web"]).synth(str(out))
    message = str(info.value)
    assert message.startswith("ChecksFailedError: synth-time checks failed with 1 error; nothing was written")
    assert "ISB-IMG-002" in message
    assert "ChecksFailedError" in str(info.value.__cause__)
    assert not out.exists() or list(out.iterdir()) == []


def test_bad_config_names_the_path_value_and_fix():
    with pytest.raises(RuntimeError) as info:
        blueprint(images=["ghcr.io/Acme/web"])
    message = str(info.value)
    # a constructor's error arrives without the class name; the JavaScript error it came from
    # (__cause__, jsii.errors.JavaScriptError, with the JS stack) names it
    assert message.startswith("the blueprint config has 1 problem:")
    assert "ConfigError: the blueprint config has 1 problem:" in str(info.value.__cause__)
    assert "repositories[0].images[0]" in message
    assert '"ghcr.io/Acme/web"' in message
    assert 'use "ghcr.io/acme/web"' in message
