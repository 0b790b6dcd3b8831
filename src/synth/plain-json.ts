/**
 * `JSON.stringify(value)` when that string says everything a renderer's output depends on, else
 * undefined: `value` must be plain JSON data (strings, finite numbers other than -0, booleans,
 * null, arrays without holes or undefined, plain objects; an object key holding undefined is
 * allowed, both YAML and JSON leave it out), without cycles. Two plain values with the same
 * string are then the same to `yaml` and to cdktf, so the string can key a render cache, and
 * `JSON.parse` of it is the value a YAML text made from `value` encodes.
 */
export function plainJson(value: unknown): string | undefined {
  const seen = new Set<object>();
  const plain = (v: unknown): boolean => {
    switch (typeof v) {
      case 'string':
      case 'boolean':
        return true;
      case 'number':
        return Number.isFinite(v) && !Object.is(v, -0);
      case 'object': {
        if (v === null) return true;
        if (seen.has(v)) return false; // a cycle (an object shared by two places is fine: `seen` is the current path)
        seen.add(v);
        let ok: boolean;
        if (Array.isArray(v)) {
          ok = true;
          for (let i = 0; i < v.length && ok; i++) ok = i in v && v[i] !== undefined && plain(v[i]);
        } else {
          const proto = Object.getPrototypeOf(v);
          ok = (proto === Object.prototype || proto === null) && Object.getOwnPropertySymbols(v).length === 0;
          if (ok) {
            for (const k of Object.keys(v)) {
              const x = (v as Record<string, unknown>)[k];
              if (x !== undefined && !plain(x)) {
                ok = false;
                break;
              }
            }
          }
        }
        seen.delete(v);
        return ok;
      }
      default:
        return false;
    }
  };
  return plain(value) ? JSON.stringify(value) : undefined;
}
