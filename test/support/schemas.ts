import * as fs from 'node:fs';
import * as path from 'node:path';
import Ajv, { ValidateFunction } from 'ajv';

/** The upstream CRD schemas in ../shared/schemas (Kyverno v1.19.0, policy-controller v0.15.1). */
export const SCHEMA_DIR = path.resolve(__dirname, '..', '..', '..', 'shared', 'schemas');

export const SCHEMAS = {
  clusterPolicy: 'kyverno-clusterpolicy-v1.json',
  imageValidatingPolicy: 'kyverno-imagevalidatingpolicy.json',
  clusterImagePolicy: 'policy-controller-clusterimagepolicy-v1beta1.json',
} as const;

const cache = new Map<string, ValidateFunction>();
let ajv: Ajv | undefined;

export function schemaValidator(file: string): ValidateFunction {
  let v = cache.get(file);
  if (!v) {
    const full = path.join(SCHEMA_DIR, file);
    if (!fs.existsSync(full)) throw new Error(`schema not found: ${full} (../shared must sit beside the project)`);
    ajv ??= new Ajv({ strict: false, allErrors: true });
    // formats only appear in status fields and numeric hints we never generate
    for (const f of ['int32', 'int64', 'date-time', 'date', 'uri', 'byte', 'duration']) {
      if (!ajv.formats[f]) ajv.addFormat(f, true);
    }
    v = ajv.compile(JSON.parse(fs.readFileSync(full, 'utf8')));
    cache.set(file, v);
  }
  return v;
}

/** Validates; returns ajv's errors as readable lines (empty when valid). */
export function schemaErrors(file: string, doc: unknown): string[] {
  const v = schemaValidator(file);
  if (v(doc)) return [];
  return (v.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message} ${JSON.stringify(e.params)}`);
}
