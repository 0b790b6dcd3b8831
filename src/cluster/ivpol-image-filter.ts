import { BlueprintError } from '../errors';
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
 * `(?:a|b)`, `\x` → literal x; outside braces `,` and `}` are literal. Throws PATTERN_INVALID for
 * what gobwas rejects (unclosed `[`/`{`, empty class, reversed range, trailing `\`).
 */
export function gobwasGlobToRe2(glob: string): string {
  const chars = [...glob];
  let pos = 0;
  const fail = (what: string): never => {
    throw new BlueprintError('PATTERN_INVALID', `invalid ImageValidatingPolicy glob ${JSON.stringify(glob)}: ${what}`);
  };
  const escaped = (): string => {
    if (pos >= chars.length) fail('trailing "\\" escapes nothing');
    return chars[pos++];
  };
  const klass = (): string => {
    const open = pos - 1;
    let negated = false;
    if (chars[pos] === '!') {
      negated = true;
      pos++;
    }
    const items: string[] = [];
    for (;;) {
      if (pos >= chars.length) fail(`unclosed "[" at offset ${open}`);
      let c = chars[pos++];
      if (c === ']') break;
      if (c === '\\') c = escaped();
      let hi = c;
      if (chars[pos] === '-' && pos + 1 < chars.length && chars[pos + 1] !== ']') {
        pos++;
        hi = chars[pos++];
        if (hi === '\\') hi = escaped();
      }
      if (c.codePointAt(0)! > hi.codePointAt(0)!) fail(`reversed range "${c}-${hi}"`);
      items.push(c === hi ? classLiteral(c) : `${classLiteral(c)}-${classLiteral(hi)}`);
    }
    if (items.length === 0) fail(`empty class "[${negated ? '!' : ''}]" at offset ${open}`);
    return `[${negated ? '^' : ''}${items.join('')}]`;
  };
  const sequence = (inTerms: boolean): string => {
    let out = '';
    while (pos < chars.length) {
      const c = chars[pos];
      if (inTerms && (c === ',' || c === '}')) return out;
      pos++;
      if (c === '*') {
        while (chars[pos] === '*') pos++;
        out += '.*';
      } else if (c === '?') {
        out += '.';
      } else if (c === '[') {
        out += klass();
      } else if (c === '{') {
        const open = pos - 1;
        const branches = [sequence(true)];
        while (chars[pos] === ',') {
          pos++;
          branches.push(sequence(true));
        }
        if (chars[pos] !== '}') fail(`unclosed "{" at offset ${open}`);
        pos++;
        out += `(?:${branches.join('|')})`;
      } else if (c === '\\') {
        out += re2Literal(escaped());
      } else {
        out += re2Literal(c);
      }
    }
    return out;
  };
  return sequence(false);
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
