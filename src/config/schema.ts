import { closest, joinPath, Problem } from './problems';

/** A value check: returns problems for the value at `path` (empty when fine). */
export type ValueCheck = (value: any, path: string) => Problem[];

export type Schema =
  | { readonly kind: 'string'; readonly check?: ValueCheck; readonly maxLength?: number }
  | { readonly kind: 'boolean' }
  | { readonly kind: 'integer'; readonly min: number; readonly max: number }
  | { readonly kind: 'enum'; readonly values: readonly string[] }
  | { readonly kind: 'array'; readonly items: Schema; readonly minItems?: number; readonly maxItems?: number; readonly unique?: boolean }
  | { readonly kind: 'object'; readonly fields: Readonly<Record<string, Field>>; readonly check?: ValueCheck };

export interface Field {
  readonly schema: Schema;
  readonly required?: boolean;
}

export const str = (check?: ValueCheck, maxLength = 4096): Schema => ({ kind: 'string', check, maxLength });
export const bool: Schema = { kind: 'boolean' };
export const int = (min: number, max: number): Schema => ({ kind: 'integer', min, max });
export const oneOf = (values: readonly string[]): Schema => ({ kind: 'enum', values });
export const arrayOf = (items: Schema, opts: { minItems?: number; maxItems?: number; unique?: boolean } = {}): Schema =>
  ({ kind: 'array', items, ...opts });
export const obj = (fields: Record<string, Field>, check?: ValueCheck): Schema => ({ kind: 'object', fields, check });
export const req = (schema: Schema): Field => ({ schema, required: true });
export const opt = (schema: Schema): Field => ({ schema });

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  return `a ${typeof v}`;
}

/** Walks `value` against `schema`, collecting every problem (not just the first). */
export function validate(schema: Schema, value: unknown, path = ''): Problem[] {
  switch (schema.kind) {
    case 'string': {
      if (typeof value !== 'string') {
        return [{ path, message: `must be a string, not ${typeName(value)}`, value, fix: 'quote the value in YAML if it looks like a number or boolean' }];
      }
      if (schema.maxLength !== undefined && value.length > schema.maxLength) {
        return [{ path, message: `is ${value.length} characters long; at most ${schema.maxLength} are allowed`, fix: 'shorten it' }];
      }
      return schema.check ? schema.check(value, path) : [];
    }
    case 'boolean':
      return typeof value === 'boolean' ? [] : [{ path, message: `must be true or false, not ${typeName(value)}`, value }];
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value) && value >= schema.min && value <= schema.max ? [] : [{
        path,
        message: `must be a whole number from ${schema.min} to ${schema.max}${typeof value === 'number' ? '' : `, not ${typeName(value)}`}`,
        value,
        fix: `write a number such as ${schema.min}`,
      }];
    case 'enum': {
      if (typeof value === 'string' && schema.values.includes(value)) return [];
      const hint = typeof value === 'string' ? closest(value, [...schema.values]) : undefined;
      return [{
        path,
        message: `must be one of ${schema.values.map((v) => JSON.stringify(v)).join(', ')}`,
        value,
        fix: hint ? `did you mean ${JSON.stringify(hint)}?` : `use one of ${schema.values.join(', ')}`,
      }];
    }
    case 'array': {
      if (!Array.isArray(value)) {
        return [{ path, message: `must be a list, not ${typeName(value)}`, value, fix: 'write it as a YAML list, e.g. [a, b]' }];
      }
      const problems: Problem[] = [];
      if (schema.minItems !== undefined && value.length < schema.minItems) {
        problems.push({ path, message: `needs at least ${schema.minItems} entr${schema.minItems === 1 ? 'y' : 'ies'}`, value, fix: 'add an entry' });
      }
      if (schema.maxItems !== undefined && value.length > schema.maxItems) {
        problems.push({ path, message: `has ${value.length} entries; at most ${schema.maxItems} are allowed` });
      }
      // an index loop, not forEach: holes of sparse arrays (TS props) are checked as undefined
      for (let i = 0; i < value.length; i++) problems.push(...validate(schema.items, value[i], joinPath(path, i)));
      if (schema.unique) {
        const seen = new Map<string, number>();
        value.forEach((item, i) => {
          if (typeof item !== 'string') return;
          const first = seen.get(item);
          if (first !== undefined) {
            problems.push({ path: joinPath(path, i), message: `duplicates ${joinPath(path, first)}`, value: item, fix: 'remove the duplicate' });
          } else {
            seen.set(item, i);
          }
        });
      }
      return problems;
    }
    case 'object': {
      if (value === null || typeof value !== 'object' || Array.isArray(value)) {
        return [{ path, message: `must be a mapping, not ${typeName(value)}`, value }];
      }
      const problems: Problem[] = [];
      const record = value as Record<string, unknown>;
      const known = Object.keys(schema.fields);
      for (const key of Object.keys(record)) {
        if (!Object.prototype.hasOwnProperty.call(schema.fields, key)) { // not `in`: "constructor" is no config key
          const hint = closest(key, known);
          problems.push({
            path: joinPath(path, key),
            message: 'is not a known key',
            fix: hint ? `did you mean "${hint}"?` : `known keys here: ${known.join(', ')}`,
          });
        }
      }
      for (const [key, field] of Object.entries(schema.fields)) {
        const v = record[key];
        if (v === undefined) {
          if (field.required) {
            problems.push({ path: joinPath(path, key), message: 'is required', fix: `add "${key}"` });
          }
          continue;
        }
        problems.push(...validate(field.schema, v, joinPath(path, key)));
      }
      if (problems.length === 0 && schema.check) problems.push(...schema.check(record, path));
      return problems;
    }
  }
}
