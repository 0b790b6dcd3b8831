import { GobwasNode, parseGobwasGlob } from './gobwas-glob';
import { Version, versionAtLeast } from '../model/model';

/*
 * Kyverno before 1.18 hands an ImageValidatingPolicy's validations *every* image of the Pod, not
 * only those its matchImageReferences select: v1.16.3 and v1.17.0-v1.17.2
 * pkg/imageverification/evaluator/policy.go `Evaluate` sets `images` to the extracted images
 * unfiltered, while v1.18.1 and later (pkg/image/verification/evaluator/policy.go) keep only the
 * matched ones (`filteredImages`). `verifyImageSignatures` returns 0 for an image that no
 * matchImageReferences entry selects (pkg/cel/libs/imageverify/impl.go, every version), so on
 * those versions `….all(n, n > 0)` rejected every Pod with an image outside the policy, signed or
 * not. For them the validations filter the images themselves, with the same globs as RE2.
 */

/** Does the target Kyverno pass only the matched images to the validations (1.18 and later)? */
export function ivpolFiltersImages(kyverno: Version): boolean {
  return versionAtLeast(kyverno, 1, 18);
}

const RE2_META = new Set([...'\\.+*?()|[]{}^$']);
const re2Literal = (c: string) => (RE2_META.has(c) ? `\\${c}` : c);
const CLASS_META = new Set([...'\\[]^-']);
const classLiteral = (c: string) => (CLASS_META.has(c) ? `\\${c}` : c);

/**
 * One gobwas/glob (compiled without separators, as ImageValidatingPolicy compiles
 * `matchImageReferences[].glob`: admission-engines.md §3) as an RE2 expression of the same
 * language, unanchored: `*` → `.*`, `?` → `.`, `[a-z]`/`[!a-z]` → classes, `{a,b}` →
 * `(?:a|b)`, `\x` → literal x. Throws PATTERN_INVALID for what gobwas rejects (`parseGobwasGlob`).
 */
export function gobwasGlobToRe2(glob: string): string {
  const sequence = (nodes: readonly GobwasNode[]): string => nodes.map((n) => {
    switch (n.kind) {
      case 'any': return '.*';
      case 'one': return '.';
      case 'literal': return re2Literal(n.char);
      case 'class': {
        const item = ([lo, hi]: readonly [number, number]) => {
          const a = classLiteral(String.fromCodePoint(lo));
          return lo === hi ? a : `${a}-${classLiteral(String.fromCodePoint(hi))}`;
        };
        return `[${n.negated ? '^' : ''}${n.ranges.map(item).join('')}]`;
      }
      case 'alternatives': return `(?:${n.branches.map(sequence).join('|')})`;
    }
  }).join('');
  return sequence(parseGobwasGlob(glob));
}

/** A CEL string literal (single quotes) holding `s` exactly. */
function celString(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n').replace(/\r/g, '\\r')}'`;
}

/**
 * The CEL list of the Pod's images the validations check: all of them when the engine already
 * keeps only the matched ones (Kyverno ≥ 1.18), else those the globs select (`(?s)^(?:…)$`, the
 * anchored whole-string match gobwas does; `.` must cross newlines as gobwas' `*`/`?` do).
 */
export function ivpolCheckedImages(allImages: string, globs: readonly string[], kyverno: Version): string {
  if (ivpolFiltersImages(kyverno)) return allImages;
  const re = `(?s)^(?:${globs.map(gobwasGlobToRe2).join('|')})$`;
  return `${allImages}.filter(image, image.matches(${celString(re)}))`;
}
