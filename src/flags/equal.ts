/**
 * Structural equality for JSON-like values: arrays compare in order, objects by their keys whatever
 * the order, and a key holding `undefined` counts as absent (optional fields in the model).
 */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return false;
    return a.every((item, i) => deepEqual(item, b[i]));
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  const keys = new Set([...Object.keys(ao), ...Object.keys(bo)]);
  for (const key of keys) {
    // hasOwn: a parsed "__proto__" key must not be confused with the inherited prototype.
    const av = Object.hasOwn(ao, key) ? ao[key] : undefined;
    const bv = Object.hasOwn(bo, key) ? bo[key] : undefined;
    if (!deepEqual(av, bv)) return false;
  }
  return true;
}

/** Plain code-unit order for keys: the same on every locale and runtime (keys are ASCII anyway). */
export function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
