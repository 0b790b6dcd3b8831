// The repo-owner example through the Go API: the same blueprint as blueprint.yaml.
//
//	go get github.com/image-signing-blueprint/image-signing-blueprint-go/imagesigningblueprint
//	go run . <this folder> [outdir]
package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/aws/jsii-runtime-go"
	isb "github.com/image-signing-blueprint/image-signing-blueprint-go/imagesigningblueprint"
)

// repoOwnerBlueprint: baseDir is the folder cosign.pub is resolved against (this example's folder)
func repoOwnerBlueprint(baseDir string) isb.ImageSigningBlueprint {
	return isb.NewImageSigningBlueprint(&isb.ImageSigningBlueprintProps{
		BaseDir: jsii.String(baseDir),
		Config: &isb.BlueprintConfig{
			Name:   jsii.String("acme-web"),
			Github: &isb.GitHubConfig{Owner: jsii.String("acme")},
			Repositories: &[]*isb.RepositoryConfig{{
				Name:     jsii.String("web"),
				Images:   jsii.Strings("ghcr.io/acme/web"),
				Workflow: &isb.WorkflowConfig{File: jsii.String("build-sign.yml"), Branches: jsii.Strings("main"), Tags: jsii.Strings("v*")},
			}},
			Signing: &isb.SigningConfig{
				Mode:            isb.SigningMode_KEY,
				Cosign:          &isb.CosignConfig{Version: jsii.String("v3.0.6"), SignatureFormat: isb.SignatureFormat_LEGACY},
				TransparencyLog: jsii.Bool(true),
				Key:             &isb.KeyConfig{PublicKeyFile: jsii.String("cosign.pub"), SecretScope: isb.SecretScope_REPOSITORY},
			},
			Admission: &isb.AdmissionConfig{
				FailureAction: isb.FailureAction_ENFORCE,
				Kyverno:       &isb.KyvernoConfig{Policy: isb.KyvernoPolicyType_CLUSTER_POLICY, Version: jsii.String("1.16")},
			},
			Verification: &isb.VerificationConfig{Ci: jsii.Bool(true)},
		},
	})
}

func main() {
	defer jsii.Close()
	baseDir, out := ".", "example-out/repo-owner-go"
	if len(os.Args) > 1 {
		baseDir = os.Args[1]
	}
	if len(os.Args) > 2 {
		out = os.Args[2]
	}
	abs, err := filepath.Abs(out)
	if err != nil {
		panic(err)
	}
	result := repoOwnerBlueprint(baseDir).Synth(jsii.String(abs), nil)
	fmt.Printf("wrote %d files to %s\n", len(*result.Files), *result.Outdir)
}
