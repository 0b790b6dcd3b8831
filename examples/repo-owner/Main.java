/*
 * The repo-owner example through the Java API: the same blueprint as blueprint.yaml.
 * Dependency: io.github.image-signing-blueprint:image-signing-blueprint (it brings cdk8s, cdktf,
 * constructs and cdktf-provider-github). Run with: java Main <this folder> [outdir]
 */
import io.github.image_signing_blueprint.AdmissionConfig;
import io.github.image_signing_blueprint.BlueprintConfig;
import io.github.image_signing_blueprint.CosignConfig;
import io.github.image_signing_blueprint.FailureAction;
import io.github.image_signing_blueprint.GitHubConfig;
import io.github.image_signing_blueprint.ImageSigningBlueprint;
import io.github.image_signing_blueprint.KeyConfig;
import io.github.image_signing_blueprint.KyvernoConfig;
import io.github.image_signing_blueprint.KyvernoPolicyType;
import io.github.image_signing_blueprint.RepositoryConfig;
import io.github.image_signing_blueprint.SecretScope;
import io.github.image_signing_blueprint.SignatureFormat;
import io.github.image_signing_blueprint.SigningConfig;
import io.github.image_signing_blueprint.SigningMode;
import io.github.image_signing_blueprint.SynthResult;
import io.github.image_signing_blueprint.VerificationConfig;
import io.github.image_signing_blueprint.WorkflowConfig;
import java.nio.file.Path;
import java.util.List;

public final class Main {
    private Main() {}

    /** baseDir: the folder cosign.pub is resolved against (this example's folder) */
    public static ImageSigningBlueprint repoOwnerBlueprint(String baseDir) {
        return ImageSigningBlueprint.Builder.create()
            .baseDir(baseDir)
            .config(BlueprintConfig.builder()
                .name("acme-web")
                .github(GitHubConfig.builder().owner("acme").build())
                .repositories(List.of(RepositoryConfig.builder()
                    .name("web")
                    .images(List.of("ghcr.io/acme/web"))
                    .workflow(WorkflowConfig.builder().file("build-sign.yml").branches(List.of("main")).tags(List.of("v*")).build())
                    .build()))
                .signing(SigningConfig.builder()
                    .mode(SigningMode.KEY)
                    .cosign(CosignConfig.builder().version("v3.0.6").signatureFormat(SignatureFormat.LEGACY).build())
                    .transparencyLog(true)
                    .key(KeyConfig.builder().publicKeyFile("cosign.pub").secretScope(SecretScope.REPOSITORY).build())
                    .build())
                .admission(AdmissionConfig.builder()
                    .failureAction(FailureAction.ENFORCE)
                    .kyverno(KyvernoConfig.builder().policy(KyvernoPolicyType.CLUSTER_POLICY).version("1.16").build())
                    .build())
                .verification(VerificationConfig.builder().ci(true).build())
                .build())
            .build();
    }

    public static void main(String[] args) {
        String baseDir = args.length > 0 ? args[0] : ".";
        String out = Path.of(args.length > 1 ? args[1] : "example-out/repo-owner-java").toAbsolutePath().toString();
        SynthResult result = repoOwnerBlueprint(baseDir).synth(out);
        System.out.println("wrote " + result.getFiles().size() + " files to " + result.getOutdir());
    }
}
