'use strict';
// Framework alone (DESIGN.md's "for scale" figure): cdktf + cdk8s synthesizing the bare resources
// of an N-repository blueprint (per repository a stack with provider, local backend, 3 secrets
// from sensitive variables and 3 repository files (workflow, cosign.pub, dependabot.yml); per cluster one ClusterPolicy with one rule per
// repository), written to disk by the frameworks themselves. No config, model, rendering or
// checks of our own. Run as its own process by synth.js: `node framework.js <repos> <outdir>`.
const fs = require('node:fs');
const path = require('node:path');
const { App: TfApp, LocalBackend, TerraformStack, TerraformVariable } = require('cdktf');
const { GithubProvider } = require('@cdktf/provider-github/lib/provider');
const { ActionsSecret } = require('@cdktf/provider-github/lib/actions-secret');
const { RepositoryFile } = require('@cdktf/provider-github/lib/repository-file');
const { App: K8sApp, Chart, ApiObject, Yaml } = require('cdk8s');

const [reposArg, outDir] = process.argv.slice(2);
const repos = Number(reposArg);
const id = (i) => `svc-${String(i).padStart(4, '0')}`;
const workflow = fs.readFileSync(path.join(__dirname, '..', 'examples', 'repo-owner', 'blueprint.yaml'), 'utf8').repeat(5); // about the size of a generated workflow

fs.mkdirSync(path.join(outDir, 'terraform'), { recursive: true });
const tf = new TfApp({ outdir: path.join(outDir, 'terraform'), skipValidation: false });
for (let i = 0; i < repos; i++) {
  const stack = new TerraformStack(tf, `github-${id(i)}`);
  new LocalBackend(stack, { path: 'terraform.tfstate' });
  new GithubProvider(stack, 'github', { owner: 'acme' });
  for (const name of ['COSIGN_PRIVATE_KEY', 'COSIGN_PASSWORD', 'COSIGN_PUBLIC_KEY']) {
    const v = new TerraformVariable(stack, `var-${name}`, { type: 'string', sensitive: true });
    new ActionsSecret(stack, `secret-${name}`, { repository: id(i), secretName: name, plaintextValue: v.stringValue });
  }
  for (const file of ['.github/workflows/build-sign.yml', 'cosign.pub', '.github/dependabot.yml']) {
    new RepositoryFile(stack, `file-${file.replace(/[^A-Za-z0-9]+/g, '-')}`, {
      repository: id(i), file, content: workflow, commitMessage: `chore: update ${file}`, overwriteOnCreate: true,
    });
  }
}
tf.synth();

for (const cluster of ['prod-eu', 'prod-us']) {
  const app = new K8sApp({ outdir: path.join(outDir, 'kubernetes', cluster) });
  const chart = new Chart(app, 'image-signing');
  new ApiObject(chart, 'policy', {
    apiVersion: 'kyverno.io/v1',
    kind: 'ClusterPolicy',
    metadata: { name: 'verify-images' },
    spec: {
      validationFailureAction: 'Enforce',
      rules: Array.from({ length: repos }, (_, i) => ({
        name: `verify-${id(i)}`,
        match: { any: [{ resources: { kinds: ['Pod'] } }] },
        verifyImages: [{
          imageReferences: [`ghcr.io/acme/${id(i)}:*`, `ghcr.io/acme/${id(i)}@*`, `ghcr.io/acme/${id(i)}-debug:*`, `ghcr.io/acme/${id(i)}-debug@*`],
          attestors: [{ entries: [{ keys: { publicKeys: '-----BEGIN PUBLIC KEY-----\nMFkw...\n-----END PUBLIC KEY-----' } }] }],
        }],
      })),
    },
  });
  fs.mkdirSync(app.outdir, { recursive: true });
  fs.writeFileSync(path.join(app.outdir, 'image-signing.k8s.yaml'), Yaml.stringify(...chart.toJson()));
}
