import { stringify } from 'yaml';
import { readsAsOtherYamlType as readsAsOtherType } from '../config/plain-yaml';

/*
 * A direct emitter for the YAML text of a workflow: the bytes `yaml`'s
 * `new Document(obj, { aliasDuplicateObjects: false }).toString({ lineWidth: 0 })` gives (2-space
 * indent, sequences indented under their key, `{}` / `[]` for empty collections, block literals
 * for multi-line strings), without building a node tree. It takes only the shapes a generated
 * workflow has: maps with identifier keys, sequences, strings, safe integers and booleans.
 * Anything else (a key needing quotes, a multi-line string with leading blanks or kept trailing
 * newlines, a sequence directly in a sequence, null, a document marker) makes it give up with
 * `undefined`, and the caller renders that workflow with `yaml` itself.
 *
 * How a string is written follows the library's own rules (yaml 2.x, `stringifyString`):
 * plain unless the plain-scalar test below rejects it, it contains a control character, or it
 * would read back as another type of the document's schema (tested with that schema's own tag
 * tests); otherwise quoted, which is the library's own output for that string, memoized. With
 * no line width nothing is folded, so a single-line scalar reads the same at every indent.
 * `test/github/workflow-text.test.ts` compares both outputs byte for byte on every workflow of
 * the examples and blueprint matrices and on random documents and strings.
 */

/** the strings yaml's plain style refuses (its plainString test, block context) */
const PLAIN_REJECTED = /^[\n\t ,[\]{}#&*!|>'"%@`]|^[?-]$|^[?-][ \t]|[\n:][ \t]|[ \t]\n|[\n\t ]#|[\n\t :]$/;
/** characters yaml always writes double-quoted */
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u{D800}-\u{DFFF}]/u;
/** a line starting like a directive or a document marker (the library treats these by position) */
const DOCUMENT_MARKER = /^(%|---|\.\.\.)/m;
/** keys written plain without any question */
const SIMPLE_KEY = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** single-line scalars as written (workflows of one blueprint repeat most of their strings) */
const WRITTEN = new Map<string, string>();
const WRITTEN_MAX = 50_000;

class GiveUp extends Error {}

function giveUp(): never {
  throw new GiveUp();
}

/** a single-line string as a block-context value */
function lineScalar(s: string): string {
  let q = WRITTEN.get(s);
  if (q !== undefined) return q;
  if (DOCUMENT_MARKER.test(s)) giveUp();
  if (!PLAIN_REJECTED.test(s) && !CONTROL.test(s) && !readsAsOtherType(s)) {q = s;} else {
    q = stringify(s, { lineWidth: 0 }).slice(0, -1);
    if (q.includes('\n')) giveUp();
  }
  if (WRITTEN.size >= WRITTEN_MAX) WRITTEN.clear();
  WRITTEN.set(s, q);
  return q;
}

/**
 * A multi-line string as a block literal whose content lines start at `indent`: `|` when it ends
 * with exactly one newline, `|-` when with none. Gives up when the library would choose another
 * form (quoted, `|+`, an indentation indicator).
 */
function blockLiteral(s: string, indent: string): string {
  if (CONTROL.test(s) || DOCUMENT_MARKER.test(s) || /\n[\t ]+$/.test(s) || /^[ \n]/.test(s)) giveUp();
  let body = s;
  let chomp = '-';
  if (s.endsWith('\n')) {
    body = s.slice(0, -1);
    if (/[\n\t ]$/.test(body) && /\n[\t ]*$/.test(body)) giveUp(); // more than one trailing newline: kept (`|+`)
    chomp = '';
  }
  if (/^[\n\t ]*$/.test(body)) giveUp();
  return `|${chomp}\n${indent}${body.replace(/\n+/g, `$&${indent}`)}`;
}

function key(k: string): string {
  if (!SIMPLE_KEY.test(k) || readsAsOtherType(k)) giveUp();
  return k;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** a scalar or empty collection after `key: ` or `- ` (`undefined` when the value is a non-empty collection) */
function inline(v: unknown, blockIndent: string): string | undefined {
  if (typeof v === 'string') return v.includes('\n') ? blockLiteral(v, blockIndent) : lineScalar(v);
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'number') return Number.isSafeInteger(v) && !Object.is(v, -0) ? String(v) : giveUp();
  if (Array.isArray(v)) return v.length === 0 ? '[]' : undefined;
  if (isPlainObject(v)) return Object.keys(v).length === 0 ? '{}' : undefined;
  return giveUp();
}

/** the trailing comment of a string pair, if any */
type Comment = (k: string, v: string) => string | undefined;

/** the pairs of a non-empty map; the first starts at the current position, the others at `indent` */
function mapLines(out: string[], m: Record<string, unknown>, indent: string, first: string, comment: Comment): void {
  let lead = first;
  for (const [k, v] of Object.entries(m)) {
    if (v === undefined) giveUp();
    const name = key(k);
    const scalar = inline(v, indent + '  ');
    if (scalar !== undefined) {
      const note = typeof v === 'string' ? comment(k, v) : undefined;
      if (note !== undefined && ((v as string).includes('\n') || note.includes('\n'))) giveUp();
      out.push(`${lead}${name}: ${scalar}${note ? ` #${note}` : ''}`);
    } else {
      out.push(`${lead}${name}:`);
      if (Array.isArray(v)) seqLines(out, v, indent + '  ', comment);
      else mapLines(out, v as Record<string, unknown>, indent + '  ', indent + '  ', comment);
    }
    lead = indent;
  }
}

/** the items of a non-empty sequence, each `- ` at `indent` */
function seqLines(out: string[], items: readonly unknown[], indent: string, comment: Comment): void {
  for (const item of items) {
    if (typeof item === 'string' && item.includes('\n')) giveUp();
    const scalar = inline(item, indent + '  ');
    if (scalar !== undefined) out.push(`${indent}- ${scalar}`);
    else if (Array.isArray(item)) giveUp();
    else mapLines(out, item as Record<string, unknown>, indent + '  ', `${indent}- `, comment);
  }
}

/**
 * The YAML text `yaml` writes for `workflow` (a map) with `header` as the document's leading
 * comment (each line prefixed `#`) and `comment(key, value)` as the trailing comment of a string
 * pair; `undefined` when the workflow holds anything this emitter does not take.
 */
export function emitWorkflowYaml(workflow: unknown, header: string, comment: Comment): string | undefined {
  if (!isPlainObject(workflow) || Object.keys(workflow).length === 0) return undefined;
  const out: string[] = [];
  try {
    mapLines(out, workflow, '', '', comment);
  } catch (e) {
    if (e instanceof GiveUp) return undefined;
    throw e;
  }
  // the library's comment style: `#` before every line but an empty one (a lone space becomes `#`)
  const head = header.split('\n').map((l) => (l === '' ? '' : l === ' ' ? '#' : `#${l}`)).join('\n');
  return `${head}\n\n${out.join('\n')}\n`;
}
