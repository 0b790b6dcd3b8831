import { ivpolGlobMatch } from '../../src/checks/matchers/ivpol-glob';
import { gobwasGlobToRe2, ivpolCheckedImages } from '../../src/cluster/ivpol-image-filter';
import { renderImageValidatingPolicies } from '../../src/cluster/kyverno-ivpol';
import { validateConfig } from '../../src/config/load';
import { buildModel } from '../../src/model/build';
import { keyConfig, projectDir } from '../support/fixtures';

/** the RE2 as a JS RegExp: `(?s)` → flag s; the rest of what the translation emits is common syntax */
function jsRegExp(re2: string): RegExp {
  return new RegExp(re2.replace(/^\(\?s\)/, ''), 'su');
}
const anchored = (glob: string) => jsRegExp(`(?s)^(?:${gobwasGlobToRe2(glob)})$`);

describe('gobwasGlobToRe2: the same language as gobwas/glob without separators (the product matcher)', () => {
  const GLOBS = [
    '127.0.0.1:5000/acme/web', '127.0.0.1:5000/acme/web:*', '127.0.0.1:5000/acme/web@*', 'ghcr.io/acme/*', 'ghcr.io/acme/**',
    'ghcr.io/acme/app:v?', 'ghcr.io/acme/app:v[0-9]', 'ghcr.io/acme/[!a]pp', 'ghcr.io/acme/[a-cx]pp', 'ghcr.io/acme/{app,api}:*',
    'ghcr.io/{acme,team/*}/app', '{a,{b,c}d}', 'x{,y}', 'ghcr.io/acme/app\\*', 'a\\?', 'a,b}', 'a]', '[\\]]', '[a-]', '[\\^x]',
    'a.b+c(d)|e$^', 'nginx*', 'a?',
  ];
  const IMAGES = [
    '127.0.0.1:5000/acme/web', '127.0.0.1:5000/acme/web:v1', '127.0.0.1:5000/acme/web@sha256:00', '127.0.0.1:5000/acme/web-evil:v1',
    '127.0.0.1x5000/acme/web', 'ghcr.io/acme/team/app:v1', 'ghcr.io/acme-evil/app:v1', 'ghcr.io/acme/app:v1', 'ghcr.io/acme/app:v',
    'ghcr.io/acme/app:vA', 'ghcr.io/acme/app', 'ghcr.io/acme/bpp', 'ghcr.io/acme/xpp', 'ghcr.io/acme/api:1', 'ghcr.io/acme/web:1',
    'ghcr.io/team/x/y/app', 'cd', 'x', 'xy', 'ghcr.io/acme/app*', 'ghcr.io/acme/app1', 'a?', 'ab', 'a,b}', 'a]', ']', '-', '^', 'a',
    'a.b+c(d)|e$^', 'aXb+c(d)|e$^', 'nginx', 'nginx:1.25', 'a😀', 'a\nb', 'ghcr.io/acme/\n',
  ];
  test.each(GLOBS.map((g) => [g]))('%j', (glob) => {
    const re = anchored(glob);
    const disagree = IMAGES.filter((img) => re.test(img) !== ivpolGlobMatch(glob, img));
    expect(disagree).toEqual([]);
    expect(IMAGES.some((img) => re.test(img))).toBe(true);
  });

  test.each(['[abc', '[]', '[!]', '{a,b', 'a\\', '[z-a]'])('rejects %j with PATTERN_INVALID, like the matcher', (glob) => {
    expect(() => gobwasGlobToRe2(glob)).toThrow(expect.objectContaining({ code: 'PATTERN_INVALID' }));
  });
});

describe('ImageValidatingPolicy validations and the images they check', () => {
  const policy = (version: string, imageReferences?: string[]) => {
    const cfg = keyConfig({
      repositories: [{ name: 'web', images: ['ghcr.io/acme/web', 'ghcr.io/acme/web-debug'] }],
      admission: { kyverno: { policy: 'ImageValidatingPolicy', version }, ...(imageReferences ? { imageReferences } : {}) },
    });
    const m = buildModel(validateConfig(cfg), { baseDir: projectDir() });
    return renderImageValidatingPolicies(m, m.clusters[0])[0];
  };

  test('Kyverno 1.16/1.17: the validations keep only the images matchImageReferences selects (they get every image of the Pod there)', () => {
    for (const version of ['1.16', '1.17']) {
      const expr: string = policy(version).spec.validations[0].expression;
      expect(expr).toMatch(/^\(images\.containers \+ images\.initContainers \+ images\.ephemeralContainers\)\.filter\(image, image\.matches\('.*'\)\)\.map\(image, verifyImageSignatures\(image, \[attestors\.key\]\)\)\.all\(n, n > 0\)$/);
      const re = /image\.matches\('((?:[^'\\]|\\.)*)'\)/.exec(expr)![1].replace(/\\\\/g, '\\');
      const js = jsRegExp(re);
      expect(js.test('ghcr.io/acme/web@sha256:abc')).toBe(true);
      expect(js.test('ghcr.io/acme/web-debug:v1')).toBe(true);
      expect(js.test('ghcr.io/acme/web')).toBe(true);
      expect(js.test('ghcr.io/acme/web-evil:v1')).toBe(false);
      expect(js.test('quay.io/other/app:v1')).toBe(false);
      expect(js.test('xghcr.io/acme/web:v1')).toBe(false);
    }
  });

  test('Kyverno 1.18+ already passes only matched images: the expression is unchanged', () => {
    expect(policy('1.19').spec.validations[0].expression)
      .toBe('(images.containers + images.initContainers + images.ephemeralContainers).map(image, verifyImageSignatures(image, [attestors.key])).all(n, n > 0)');
  });

  test('custom imageReferences are filtered with the same globs, quotes and backslashes escaped for CEL', () => {
    const p = policy('1.16', ['ghcr.io/acme/*', "ghcr.io/o'k/\\*x"]);
    expect(p.spec.matchImageReferences).toEqual([{ glob: 'ghcr.io/acme/*' }, { glob: "ghcr.io/o'k/\\*x" }]);
    expect(p.spec.validations[0].expression).toContain(String.raw`image.matches('(?s)^(?:ghcr\\.io/acme/.*|ghcr\\.io/o\'k/\\*x)$')`);
  });

  test('ivpolCheckedImages leaves the list alone from 1.18', () => {
    expect(ivpolCheckedImages('L', ['a*'], { major: 1, minor: 18, patch: 0, text: '1.18' })).toBe('L');
    expect(ivpolCheckedImages('L', ['a*'], { major: 1, minor: 17, patch: 2, text: '1.17.2' })).toBe("L.filter(image, image.matches('(?s)^(?:a.*)$'))");
  });
});
