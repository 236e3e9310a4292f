/**
 * A seeded generator of hostile inputs for the fuzz tests: the same seed gives the same requests, and
 * every failure message carries the seed (rerun with FUZZ_SEED=<seed>).
 */

export interface Rng {
  readonly seed: number;
  /** In [0, 1). */
  next(): number;
  /** An integer in [0, n). */
  int(n: number): number;
  pick<T>(items: readonly T[]): T;
  chance(p: number): boolean;
}

/** mulberry32: small, fast, and good enough to spread mutations. */
export function seededRandom(seed: number): Rng {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    seed,
    next,
    int: (n) => Math.floor(next() * n),
    pick: (items) => items[Math.floor(next() * items.length)]!,
    chance: (p) => next() < p,
  };
}

/** FUZZ_SEED from the environment, else a fresh one (printed by the tests with every failure). */
export function fuzzSeed(): number {
  const fromEnv = Number(process.env.FUZZ_SEED);
  return Number.isInteger(fromEnv) && process.env.FUZZ_SEED ? fromEnv : Math.floor(Math.random() * 2 ** 31);
}

/**
 * JSON text kept as text inside a generated value, so values nested thousands of levels deep cost the
 * generator nothing (building and serialising them for real would overflow the test's own stack).
 * `toJsonText` splices the text in.
 */
export class RawJson {
  private static next = 0;
  static readonly byToken = new Map<string, string>();
  readonly token: string;
  constructor(readonly text: string) {
    this.token = `@@raw-json-${RawJson.next++}@@`;
    RawJson.byToken.set(this.token, text);
  }
  toJSON(): string {
    return this.token;
  }
}

/** JSON.stringify, with every RawJson replaced by its text. */
export function toJsonText(value: unknown): string {
  let text = JSON.stringify(value) ?? '';
  for (const match of text.match(/"@@raw-json-\d+@@"/g) ?? []) {
    text = text.split(match).join(RawJson.byToken.get(match.slice(1, -1)) ?? 'null');
  }
  return text;
}

export const deepArrayText = (depth: number) => '['.repeat(depth) + '1' + ']'.repeat(depth);
export const deepObjectText = (depth: number) => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
export const deepArrays = (depth: number) => new RawJson(deepArrayText(depth));
export const deepObjects = (depth: number) => new RawJson(deepObjectText(depth));

/** One hostile value. `big` allows strings of megabytes (keep those rare: they cost time). */
export function nastyValue(rng: Rng, big = false): unknown {
  const kinds = [
    () => deepArrays(rng.pick([100, 1000, 5000])),
    () => deepObjects(rng.pick([100, 1000, 5000])),
    () => `a\u0000b`,
    () => `20a\u0000b`,
    () => '\u0000',
    () => 'x'.repeat(rng.pick([256, 1025, 2048, 4097, 10_000, 70_000])),
    () => (big ? 'z'.repeat(rng.pick([1, 3, 6]) * 1024 * 1024) : 'z'.repeat(100_000)),
    () => rng.int(2 ** 31) * (rng.chance(0.5) ? -1 : 1),
    () => rng.pick([0, -1, 1.5, 1e308, -1e308, Number.MAX_SAFE_INTEGER + 2]),
    () => rng.chance(0.5),
    () => null,
    () => [],
    () => ({}),
    () => [1, 'two', { three: 3 }],
    () => JSON.parse('{"toString":"x","__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}') as unknown,
    () => '',
    () => '   ',
    () => '\ud800',
    () => '\udfff\ud800',
    () => '\u202e\u200b\ufeff',
    () => '🚩'.repeat(rng.pick([1, 300, 3000])),
    () => "'; DROP TABLE events; --",
    () => '%00%ff%zz',
    () => '../../etc/passwd',
    () => '${jndi:ldap://x}',
    () => '<script>alert(1)</script>',
    () => 'AKIA' + 'A'.repeat(16),
  ];
  return rng.pick(kinds)();
}

type Json = unknown;

function paths(value: Json, prefix: (string | number)[] = [], out: (string | number)[][] = [], depth = 0): (string | number)[][] {
  out.push(prefix);
  if (depth > 6 || value === null || typeof value !== 'object' || value instanceof RawJson) return out;
  const entries = Array.isArray(value) ? value.map((v, i) => [i, v] as const) : Object.entries(value as Record<string, unknown>);
  for (const [k, v] of entries.slice(0, 40)) paths(v, [...prefix, k], out, depth + 1);
  return out;
}

function setAt(root: Json, path: (string | number)[], fn: (old: unknown) => unknown | typeof DELETE): Json {
  if (path.length === 0) {
    const v = fn(root);
    return v === DELETE ? undefined : v;
  }
  const copy = cloneJson(root) as Record<string | number, unknown>;
  let cur = copy;
  for (const k of path.slice(0, -1)) cur = cur[k] as Record<string | number, unknown>;
  const last = path[path.length - 1]!;
  const v = fn(cur[last]);
  if (v === DELETE) {
    if (Array.isArray(cur)) cur.splice(Number(last), 1);
    else delete cur[last];
  } else cur[last] = v;
  return copy;
}
const DELETE = Symbol('delete');

/** A copy that keeps RawJson values as they are. */
function cloneJson(v: unknown): unknown {
  if (v === null || typeof v !== 'object' || v instanceof RawJson) return v;
  if (Array.isArray(v)) return v.map(cloneJson);
  return Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, cloneJson(x)]));
}

/** One structural mutation of a JSON value: a field replaced by a hostile value, removed, or a field added. */
export function mutateJson(value: Json, rng: Rng, big = false): { value: Json; what: string } {
  const all = paths(value);
  const inner = all.filter((p) => p.length > 0);
  const path = inner.length > 0 && rng.chance(0.9) ? rng.pick(inner) : rng.pick(all);
  const where = path.join('.') || '(root)';
  const op = rng.int(10);
  if (op < 6) {
    const nasty = nastyValue(rng, big);
    return { value: setAt(value, path, () => nasty), what: `${where} := ${describe(nasty)}` };
  }
  if (op < 8 && path.length > 0) return { value: setAt(value, path, () => DELETE), what: `${where} removed` };
  const extraKey = rng.pick(['extra', '__proto__', 'constructor', '', '\u0000', 'Parameters', 'x'.repeat(300)]);
  const nasty = nastyValue(rng, big);
  return {
    value: setAt(value, path, (old) => (old !== null && typeof old === 'object' && !Array.isArray(old) ? { ...(old as object), [extraKey]: nasty } : old)),
    what: `${where}.${JSON.stringify(extraKey).slice(0, 20)} added (${describe(nasty)})`,
  };
}

/** A short label of a value for failure messages. */
export function describe(v: unknown): string {
  if (typeof v === 'string') return v.length > 40 ? `string(${v.length})` : JSON.stringify(v);
  if (v instanceof RawJson) return `json(${v.text.length} chars, deep)`;
  if (Array.isArray(v)) return `array(${v.length})`;
  if (v === null) return 'null';
  if (typeof v === 'object') return 'object';
  return String(v);
}

/** One byte-level mutation of a body (what a broken or hostile sender puts on the wire). */
export function mutateBytes(body: Buffer, rng: Rng): { body: Buffer; what: string } {
  const ops: (() => { body: Buffer; what: string })[] = [
    () => {
      const b = Buffer.from(body);
      for (let i = 0; i < 1 + rng.int(8); i++) b[rng.int(b.length)] = rng.int(256);
      return { body: b, what: 'random bytes flipped' };
    },
    () => ({ body: body.subarray(0, rng.int(body.length)), what: 'truncated' }),
    () => ({ body: Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), body]), what: 'UTF-8 BOM prefix' }),
    () => ({ body: Buffer.from(body.toString('utf8'), 'utf16le'), what: 'UTF-16LE encoded' }),
    () => {
      const at = rng.int(body.length);
      return { body: Buffer.concat([body.subarray(0, at), Buffer.from(rng.pick([[0xff], [0xc3], [0xed, 0xa0, 0x80], [0x00], [0xf8, 0x88, 0x80, 0x80, 0x80]])), body.subarray(at)]), what: 'invalid UTF-8 inserted' };
    },
    () => ({ body: Buffer.concat([body, Buffer.from(rng.pick(['}', ']]]', '\u0000', ' garbage', '{"a":1}']))]), what: 'trailing garbage' }),
    () => ({ body: Buffer.alloc(0), what: 'empty body' }),
    () => ({ body: Buffer.from(rng.pick(['null', '[]', '"text"', '42', 'true', '{}', '{"__proto__":{"polluted":1}}'])), what: 'another JSON value' }),
    () => ({ body: Buffer.from(deepArrayText(5000)), what: '5,000 nested arrays (10 KB)' }),
  ];
  return rng.pick(ops)();
}
