/*
 * The small parts of the admission engines' attestation policies that `verify --config` evaluates
 * itself, failing closed on anything else:
 * - Kyverno `verifyImages[].attestations[].conditions` (AnyAllConditions over the predicate, with
 *   `{{ a.b.c }}` keys and the Equals/NotEquals operators), the form the blueprint renders;
 * - policy-controller CUE policies made of nested `label: label: "string"` constraints and
 *   `label: {` … `}` blocks (the form the blueprint renders), checked against the in-toto statement.
 */

/** whether a policy holds, and what was checked or failed; `unsupported` marks a policy this code cannot evaluate (fails closed). */
export interface PolicyOutcome {
  readonly ok: boolean;
  readonly unsupported?: boolean;
  readonly reason: string;
}

function lookup(doc: unknown, path: readonly string[]): unknown {
  let cur: any = doc;
  for (const p of path) {
    if (cur === null || typeof cur !== 'object' || !Object.prototype.hasOwnProperty.call(cur, p)) return undefined;
    cur = cur[p];
  }
  return cur;
}

function sameValue(a: unknown, b: unknown): boolean {
  if (typeof a === 'string' || typeof b === 'string') return String(a) === String(b);
  return JSON.stringify(a) === JSON.stringify(b);
}

/** one Kyverno condition; undefined when it holds */
function kyvernoCondition(c: any, predicate: unknown): PolicyOutcome {
  const m = /^\{\{\s*([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)\s*\}\}$/.exec(String(c?.key ?? ''));
  if (!m) return { ok: false, unsupported: true, reason: `condition key ${JSON.stringify(c?.key)} is not a plain {{ a.b.c }} path: not evaluated here` };
  const actual = lookup(predicate, m[1].split('.'));
  const op = String(c?.operator ?? 'Equals');
  let holds: boolean;
  if (op === 'Equals' || op === 'Equal') holds = actual !== undefined && sameValue(actual, c.value);
  else if (op === 'NotEquals' || op === 'NotEqual') holds = actual === undefined || !sameValue(actual, c.value);
  else return { ok: false, unsupported: true, reason: `condition operator ${op} is not evaluated here` };
  const text = `${m[1]} (${JSON.stringify(actual ?? null)}) ${op} ${JSON.stringify(c.value)}`;
  return { ok: holds, reason: holds ? text : `condition failed: ${text}` };
}

/** Kyverno `conditions: [{any: [...], all: [...]}]` over the attestation predicate: every list element must hold */
export function evaluateKyvernoConditions(conditions: unknown, predicate: unknown): PolicyOutcome {
  if (conditions === undefined || conditions === null) return { ok: true, reason: 'no conditions' };
  if (!Array.isArray(conditions)) return { ok: false, unsupported: true, reason: 'conditions is not a list' };
  const held: string[] = [];
  for (const group of conditions) {
    const all: any[] = group?.all ?? [];
    const any: any[] = group?.any ?? [];
    for (const c of all) {
      const r = kyvernoCondition(c, predicate);
      if (!r.ok) return r;
      held.push(r.reason);
    }
    if (any.length > 0) {
      const rs = any.map((c) => kyvernoCondition(c, predicate));
      const hit = rs.find((r) => r.ok);
      if (!hit) return rs.find((r) => r.unsupported) ?? { ok: false, reason: `none of the "any" conditions holds: ${rs.map((r) => r.reason).join('; ')}` };
      held.push(hit.reason);
    }
  }
  return { ok: true, reason: `conditions hold: ${held.join(', ') || 'none'}` };
}

const LABEL = /^\s*([A-Za-z_$][A-Za-z0-9_$]*|"(?:[^"\\]|\\.)*")\s*:\s*/;

/** the line without a `//` comment outside string literals */
function stripComment(line: string): string {
  let inString = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (inString && c === '\\') i++;
    else if (c === '"') inString = !inString;
    else if (!inString && c === '/' && line[i + 1] === '/') return line.slice(0, i);
  }
  return line;
}

/** the `path = "string"` constraints of a CUE policy in the supported subset, or why it is not supported */
export function cueConstraints(src: string): { path: string[]; value: string }[] | string {
  const out: { path: string[]; value: string }[] = [];
  const stack: string[][] = [];
  for (const [i, raw] of src.split('\n').entries()) {
    let line = stripComment(raw).trim();
    if (line === '') continue;
    if (line === '}') {
      if (stack.length === 0) return `line ${i + 1}: unbalanced }`;
      stack.pop();
      continue;
    }
    const labels: string[] = [];
    let m: RegExpExecArray | null;
    while ((m = LABEL.exec(line)) !== null) {
      labels.push(m[1].startsWith('"') ? JSON.parse(m[1]) : m[1]);
      line = line.slice(m[0].length);
    }
    if (labels.length === 0) return `line ${i + 1}: ${JSON.stringify(raw.trim())} is not a label: value constraint`;
    const prefix = [...stack.flat(), ...labels];
    if (line === '{') {
      stack.push(labels);
      continue;
    }
    if (/^"(?:[^"\\]|\\.)*"$/.test(line)) {
      out.push({ path: prefix, value: JSON.parse(line) });
      continue;
    }
    return `line ${i + 1}: only string constraints and blocks are evaluated here, not ${JSON.stringify(line)}`;
  }
  if (stack.length > 0) return 'unbalanced {';
  return out;
}

/** a policy-controller attestation policy (`{type: cue, data}`) against the in-toto statement */
export function evaluateCipPolicy(policy: any, statement: unknown): PolicyOutcome {
  if (!policy) return { ok: true, reason: 'no policy' };
  if (policy.type !== 'cue' || typeof policy.data !== 'string') {
    return { ok: false, unsupported: true, reason: `policy type ${JSON.stringify(policy.type)}${policy.data === undefined ? ' (not inline)' : ''} is not evaluated here` };
  }
  const cs = cueConstraints(policy.data);
  if (typeof cs === 'string') return { ok: false, unsupported: true, reason: `CUE policy not evaluated here: ${cs}` };
  for (const c of cs) {
    const actual = lookup(statement, c.path);
    if (actual !== c.value) return { ok: false, reason: `CUE policy: ${c.path.join('.')} is ${JSON.stringify(actual ?? null)}, not ${JSON.stringify(c.value)}` };
  }
  return { ok: true, reason: `CUE policy holds (${cs.map((c) => `${c.path.join('.')} == ${JSON.stringify(c.value)}`).join(', ')})` };
}
