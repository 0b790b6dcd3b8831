/*
 * A fast reader for the block YAML most blueprints are written in: mappings with simple keys,
 * sequences (`- ` at least one column deeper than their key), plain scalars, simple quoted strings,
 * `true`/`false`, decimal integers and nulls, one-line flow collections of scalars (`[a, b]`,
 * `{ k: v }`), comments. It returns the value `yaml`'s
 * `parseDocument(text, { version: '1.2', uniqueKeys: true, strict: true }).toJS()` gives for such
 * text, and `undefined` for anything else (a `#` inside a scalar, tabs, CR, nested flow collections,
 * anchors, tags, block scalars, multi-line scalars, other number forms, duplicate keys, document
 * markers, an empty document, a syntax error): the caller then parses with `yaml`, which also
 * writes every error message. It never decides that a text is invalid.
 * `test/config/plain-yaml.test.ts` compares both on every YAML file of the project and on random
 * and mutated documents.
 */

import { Document } from 'yaml';

interface TagTest { readonly default?: unknown; readonly tag: string; readonly test?: RegExp }

/** the tests of yaml's YAML 1.2 core schema for every implicit type but string (null, bool, int, float) */
const OTHER_TYPES: readonly RegExp[] = (() => {
  const schema = new Document(null, { version: '1.2' }).schema as unknown as { tags: readonly TagTest[]; compat?: readonly TagTest[] | null };
  return [...schema.tags, ...(schema.compat ?? [])]
    .filter((t) => t.default && t.tag !== 'tag:yaml.org,2002:str' && t.test instanceof RegExp)
    .map((t) => t.test!);
})();

/** would this text, as a plain scalar, read back as a null, boolean or number (yaml's own tag tests)? */
export function readsAsOtherYamlType(s: string): boolean {
  for (const re of OTHER_TYPES) if (re.test(s)) return true;
  return false;
}

interface Line {
  readonly indent: number;
  readonly text: string;
}

class GiveUp extends Error {}

function giveUp(): never {
  throw new GiveUp();
}

/** keys taken as they are (no indicator, nothing that reads as another type) */
const KEY = /^[A-Za-z_][A-Za-z0-9_./-]*$/;
/** `key:` or `key: rest` */
const PAIR = /^([^\s:]+):(?: +(.*))?$/;
/** a plain scalar this reader takes: no indicator first, none of `: `, `#`, flow characters, quotes */
const PLAIN = /^[A-Za-z0-9_./$~=+^(][^#:{}[\],'"\\`]*$/;
const PLAIN_WITH_COLON = /^[A-Za-z0-9_./$~=+^(](?:[^#:{}[\],'"\\`]|:(?! |$))*$/;

/** `[a, b]` or `{ k: v }` of scalars, on one line (nothing nested) */
function flow(s: string): unknown {
  const inner = s.slice(1, -1).trim();
  const isSeq = s[0] === '[';
  if (/[[\]{}]/.test(inner)) giveUp();
  if (inner === '') return isSeq ? [] : {};
  const items = inner.split(',').map((i) => i.replace(/^ +| +$/g, ''));
  if (items.some((i) => i === '')) giveUp();
  if (isSeq) return items.map((i) => scalar(i, true));
  const out: Record<string, unknown> = {};
  for (const item of items) {
    const m = /^([^\s:]+): +([^:]*)$/.exec(item);
    if (!m || !KEY.test(m[1]) || readsAsOtherYamlType(m[1]) || m[1] === '__proto__' || Object.prototype.hasOwnProperty.call(out, m[1])) giveUp();
    out[m[1]] = scalar(m[2], true);
  }
  return out;
}

function scalar(raw: string, inFlow = false): unknown {
  const s = raw.replace(/ +$/, '');
  if (s === '') return inFlow ? giveUp() : null;
  const first = s[0];
  if (!inFlow && ((first === '[' && s.endsWith(']')) || (first === '{' && s.endsWith('}')))) return flow(s);
  if (inFlow && /[:[\]{},]/.test(s)) giveUp();
  if (first === '"') {
    if (s.length < 2 || !s.endsWith('"') || /["\\]/.test(s.slice(1, -1)) || /[^\x20-\x7e]/.test(s)) giveUp();
    return s.slice(1, -1);
  }
  if (first === "'") {
    if (s.length < 2 || !s.endsWith("'") || s.slice(1, -1).includes("'") || /[^\x20-\x7e]/.test(s)) giveUp();
    return s.slice(1, -1);
  }
  if (s === 'true') return true;
  if (s === 'false') return false;
  if (s === 'null' || s === '~') return null;
  if (/^-?[1-9][0-9]{0,14}$|^0$/.test(s)) return Number(s);
  if (readsAsOtherYamlType(s)) giveUp();
  if (!PLAIN_WITH_COLON.test(s) || !PLAIN.test(s.replace(/:/g, '_')) || s.endsWith(':')) giveUp();
  // printable ASCII and common UTF-8 text; control characters, BOMs and line separators go to the library
  if (/[\x00-\x1f\x7f-\x9f\u2028\u2029\ufeff]/.test(s)) giveUp();
  return s;
}

class Reader {
  private pos = 0;
  constructor(private readonly lines: readonly Line[]) {}

  public document(): unknown {
    if (this.lines.length === 0 || this.lines[0].indent !== 0) giveUp();
    const value = this.block(0);
    if (this.pos !== this.lines.length) giveUp();
    return value;
  }

  /** the block starting at the current line, whose lines are at `indent` */
  private block(indent: number): unknown {
    const line = this.lines[this.pos];
    if (line.text === '-' || line.text.startsWith('- ')) return this.sequence(indent);
    return this.mapping(indent, undefined);
  }

  /** a mapping whose keys are at `indent`; `firstText` is the first pair when it follows `- ` */
  private mapping(indent: number, firstText: string | undefined): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    let text = firstText;
    if (text === undefined) text = this.lines[this.pos++].text;
    for (;;) {
      const m = PAIR.exec(text);
      if (!m) giveUp();
      const key = m[1];
      if (!KEY.test(key) || readsAsOtherYamlType(key) || key === '__proto__' || Object.prototype.hasOwnProperty.call(out, key)) giveUp();
      const rest = m[2];
      const next = this.lines[this.pos];
      if (rest !== undefined && rest !== '') {
        out[key] = scalar(rest);
        if (next && next.indent > indent) giveUp(); // a continued scalar, or an error
      } else if (next && next.indent > indent) {
        out[key] = this.block(next.indent);
      } else if (next && next.indent === indent && (next.text === '-' || next.text.startsWith('- '))) {
        giveUp(); // a sequence at its key's indent
      } else {
        out[key] = null;
      }
      const after = this.lines[this.pos];
      if (!after || after.indent < indent) return out;
      if (after.indent > indent) giveUp();
      if (after.text === '-' || after.text.startsWith('- ')) giveUp();
      text = after.text;
      this.pos++;
    }
  }

  /** a sequence whose `- ` are at `indent` */
  private sequence(indent: number): unknown[] {
    const out: unknown[] = [];
    for (;;) {
      const line = this.lines[this.pos];
      if (line.text === '-' || !line.text.startsWith('- ')) giveUp();
      const item = line.text.slice(2);
      if (item === '' || item.startsWith(' ') || item.startsWith('-')) giveUp();
      this.pos++;
      if (PAIR.test(item) && !/^["']/.test(item)) {
        out.push(this.mapping(indent + 2, item));
      } else {
        out.push(scalar(item));
        const next = this.lines[this.pos];
        if (next && next.indent > indent) giveUp();
      }
      const after = this.lines[this.pos];
      if (!after || after.indent < indent) return out;
      if (after.indent > indent) giveUp();
    }
  }
}

/** The value of `text` when it is plain block YAML this reader takes, else `undefined` (parse with `yaml`). */
export function parsePlainBlockYaml(text: string): unknown {
  if (/[\r\t\ufeff]/.test(text)) return undefined;
  const lines: Line[] = [];
  for (const raw of text.split('\n')) {
    const body = raw.replace(/^ +/, '');
    if (body === '' || body.startsWith('#')) continue; // a blank line or a full-line comment
    if (/^(---|\.\.\.|%)/.test(raw)) return undefined;
    let content = body;
    const hash = content.indexOf('#');
    if (hash >= 0) {
      // a trailing comment: ` #` with no quote before it (a `#` inside a scalar goes to the library)
      const cut = content.indexOf(' #');
      if (cut < 0 || cut + 1 !== hash || /['"]/.test(content.slice(0, cut))) return undefined;
      content = content.slice(0, cut);
    }
    lines.push({ indent: raw.length - body.length, text: content.replace(/ +$/, '') });
  }
  try {
    return new Reader(lines).document();
  } catch (e) {
    if (e instanceof GiveUp) return undefined;
    throw e;
  }
}
