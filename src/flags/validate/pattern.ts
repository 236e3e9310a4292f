/**
 * Runs a constraint's `pattern` only when that is safe. The pattern comes from a customer's document and
 * JavaScript regexes backtrack: a pattern like `(a+)+$` can hang the process that serves every site. AppConfig
 * already enforces patterns when a version is saved, so skipping a pattern we cannot run safely loses little,
 * while hanging the event loop would lose everything.
 */

interface GroupFrame {
  quantified: boolean; // something inside repeats
  alternation: boolean; // contains |
}

const MAX_UNBOUNDED = 2; // *, +, {n,}: two overlapping ones cost O(n^2) on a 1024-char value at worst
const MAX_CHOICES = 6; // every quantifier that may match a varying count is a backtracking point

/** Reads a quantifier starting at `i`; returns its length and whether it is unbounded. */
function quantifierAt(p: string, i: number): { length: number; unbounded: boolean; choice: boolean } | undefined {
  const c = p[i];
  let length = 0;
  let unbounded = false;
  let choice = true;
  if (c === '*' || c === '+') {
    length = 1;
    unbounded = true;
  } else if (c === '?') {
    length = 1;
  } else if (c === '{') {
    const m = /^\{(\d+)(,(\d*))?\}/.exec(p.slice(i));
    if (!m) return undefined;
    length = m[0].length;
    const min = Number(m[1]);
    const max = m[2] === undefined ? min : m[3] === '' ? Infinity : Number(m[3]);
    unbounded = max === Infinity || max - min > 64;
    choice = max !== min;
  } else {
    return undefined;
  }
  if (p[i + length] === '?') length++; // lazy modifier
  return { length, unbounded, choice };
}

/** True when the pattern's shape cannot backtrack catastrophically (conservative: false when unsure). */
export function isSafePattern(p: string): boolean {
  const stack: GroupFrame[] = [{ quantified: false, alternation: false }];
  let unbounded = 0;
  let choices = 0;
  let i = 0;
  const countQuantifier = (q: { unbounded: boolean; choice: boolean }): boolean => {
    if (q.unbounded) unbounded++;
    if (q.choice) choices++;
    const top = stack[stack.length - 1];
    if (top && q.choice) top.quantified = true;
    return unbounded <= MAX_UNBOUNDED && choices <= MAX_CHOICES;
  };
  while (i < p.length) {
    const c = p[i];
    if (c === '\\') {
      const next = p[i + 1] ?? '';
      if (/[1-9k]/.test(next)) return false; // backreferences defeat any bound
      i += 2;
    } else if (c === '[') {
      i++;
      if (p[i] === '^') i++;
      if (p[i] === ']') i++;
      while (i < p.length && p[i] !== ']') i += p[i] === '\\' ? 2 : 1;
      i++;
    } else if (c === '(') {
      stack.push({ quantified: false, alternation: false });
      i++;
      continue;
    } else if (c === ')') {
      const frame = stack.pop();
      if (!frame || stack.length === 0) return false; // unbalanced: let nobody guess what it means
      i++;
      const q = quantifierAt(p, i);
      if (q) {
        if (q.choice && (frame.quantified || frame.alternation)) return false; // nested repetition
        if (!countQuantifier(q)) return false;
        i += q.length;
      }
      const parent = stack[stack.length - 1];
      if (parent) {
        parent.quantified ||= frame.quantified;
        parent.alternation ||= frame.alternation;
      }
      continue;
    } else if (c === '|') {
      const top = stack[stack.length - 1];
      if (top) top.alternation = true;
      i++;
      continue;
    } else {
      i++;
    }
    const q = quantifierAt(p, i);
    if (q) {
      if (!countQuantifier(q)) return false;
      i += q.length;
    }
  }
  return stack.length === 1;
}

/** The compiled pattern, or undefined when it should not (or cannot) be run here. */
export function compilePattern(pattern: string): RegExp | undefined {
  if (!isSafePattern(pattern)) return undefined;
  for (const flags of ['u', '']) {
    try {
      return new RegExp(pattern, flags);
    } catch {
      // Another dialect may accept it (AppConfig does not say which); try without Unicode mode, then give up.
    }
  }
  return undefined;
}
