// Layer rules for src/ (docs/architecture.md draws the same picture). A module may import from its
// own layer or any layer below it, never from a layer above; no import cycles at all.
// Run: npx depcruise src (part of `npm test` through the lint:layers task).

/** lowest first; each entry: a name and the path regex of the modules it holds */
const LAYERS = [
  ['errors', '^src/errors\\.ts$'],
  ['keys', '^src/keys/'],
  ['config', '^src/config/'],
  ['model', '^src/model/'],
  ['renderers', '^src/(github|cluster)/'],
  ['runbook-customize', '^src/(runbook/|customize\\.ts$)'],
  ['synth', '^src/synth/'],
  ['checks', '^src/checks/'],
  ['blueprint', '^src/blueprint\\.ts$'],
  ['verify', '^src/verify/'],
  ['cli', '^src/cli/'],
  ['index', '^src/index\\.ts$'],
];

const forbidden = [
  {
    name: 'no-circular',
    severity: 'error',
    comment: 'Import cycles make the layers meaningless: move the shared types or helpers one level down.',
    from: { path: '^src/' },
    to: { circular: true },
  },
];
LAYERS.forEach(([name, path], i) => {
  const above = LAYERS.slice(i + 1);
  if (above.length === 0) return;
  forbidden.push({
    name: `layer-${name}-imports-no-higher-layer`,
    severity: 'error',
    comment: `${name} may not import from the layers above it (${above.map(([n]) => n).join(', ')}); `
      + 'put the shared piece in the lowest layer that needs it (docs/architecture.md).',
    from: { path },
    to: { path: above.map(([, p]) => `(${p})`).join('|') },
  });
});

module.exports = {
  forbidden,
  options: {
    doNotFollow: { path: 'node_modules' },
    includeOnly: '^src/',
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
