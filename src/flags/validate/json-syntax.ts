/**
 * Finds where and why a JSON text is malformed. JSON.parse's own messages differ between Node versions
 * and often omit the position, so this small scanner re-reads a text JSON.parse rejected and names the
 * line, column and what was expected there. It only runs on failure, so it favours clarity over speed.
 */

export interface JsonSyntaxProblem {
  line: number;
  column: number;
  message: string;
}

class SyntaxProblem extends Error {
  constructor(
    readonly offset: number,
    message: string,
  ) {
    super(message);
  }
}

const WHITESPACE = new Set([' ', '\t', '\n', '\r']);
const ESCAPES = new Set(['"', '\\', '/', 'b', 'f', 'n', 'r', 't']);
// A real flag document is about six levels deep; the cap keeps the recursive scanner far from the stack limit.
const MAX_DEPTH = 500;

class Scanner {
  private pos = 0;

  constructor(private readonly text: string) {}

  run(): void {
    this.skipWhitespace();
    if (this.pos >= this.text.length) throw new SyntaxProblem(this.pos, 'the document is empty');
    this.value(0);
    this.skipWhitespace();
    if (this.pos < this.text.length) {
      throw new SyntaxProblem(this.pos, `unexpected ${this.found()} after the end of the document`);
    }
  }

  private found(): string {
    if (this.pos >= this.text.length) return 'end of the document';
    const cp = this.text.codePointAt(this.pos) ?? 0;
    const ch = String.fromCodePoint(cp);
    if (cp < 0x20) return `control character U+${cp.toString(16).toUpperCase().padStart(4, '0')}`;
    return `character ${JSON.stringify(ch)}`;
  }

  private expected(what: string): never {
    throw new SyntaxProblem(this.pos, `expected ${what} but found ${this.found()}`);
  }

  private skipWhitespace(): void {
    while (this.pos < this.text.length && WHITESPACE.has(this.text[this.pos] as string)) this.pos++;
  }

  private value(depth: number): void {
    if (depth > MAX_DEPTH) throw new SyntaxProblem(this.pos, 'the document is nested too deeply');
    this.skipWhitespace();
    const ch = this.text[this.pos];
    if (ch === '{') return this.object(depth);
    if (ch === '[') return this.array(depth);
    if (ch === '"') return this.string();
    if (ch === '-' || (ch !== undefined && ch >= '0' && ch <= '9')) return this.number();
    for (const word of ['true', 'false', 'null']) {
      if (this.text.startsWith(word, this.pos)) {
        this.pos += word.length;
        return;
      }
    }
    if (ch === "'") throw new SyntaxProblem(this.pos, 'text must be in double quotes ("), not single quotes');
    this.expected('a value (an object, list, text in double quotes, number, true, false or null)');
  }

  private object(depth: number): void {
    this.pos++; // {
    this.skipWhitespace();
    if (this.text[this.pos] === '}') {
      this.pos++;
      return;
    }
    for (;;) {
      this.skipWhitespace();
      if (this.text[this.pos] !== '"') {
        if (this.text[this.pos] === '}') throw new SyntaxProblem(this.pos, 'a comma before "}" is not allowed in JSON');
        this.expected('a property name in double quotes');
      }
      this.string();
      this.skipWhitespace();
      if (this.text[this.pos] !== ':') this.expected('":" after the property name');
      this.pos++;
      this.value(depth + 1);
      this.skipWhitespace();
      const next = this.text[this.pos];
      if (next === '}') {
        this.pos++;
        return;
      }
      if (next !== ',') this.expected('"," or "}" after a property value');
      this.pos++;
    }
  }

  private array(depth: number): void {
    this.pos++; // [
    this.skipWhitespace();
    if (this.text[this.pos] === ']') {
      this.pos++;
      return;
    }
    for (;;) {
      this.skipWhitespace();
      if (this.text[this.pos] === ']') throw new SyntaxProblem(this.pos, 'a comma before "]" is not allowed in JSON');
      this.value(depth + 1);
      this.skipWhitespace();
      const next = this.text[this.pos];
      if (next === ']') {
        this.pos++;
        return;
      }
      if (next !== ',') this.expected('"," or "]" after a list item');
      this.pos++;
    }
  }

  private string(): void {
    const start = this.pos;
    this.pos++; // opening quote
    for (;;) {
      if (this.pos >= this.text.length) throw new SyntaxProblem(start, 'this text is never closed with a double quote');
      const ch = this.text[this.pos] as string;
      if (ch === '"') {
        this.pos++;
        return;
      }
      if (ch < ' ') throw new SyntaxProblem(this.pos, `${this.found()} must be escaped inside text (e.g. \\n)`);
      if (ch === '\\') {
        const esc = this.text[this.pos + 1];
        if (esc === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(this.text.slice(this.pos + 2, this.pos + 6))) {
            throw new SyntaxProblem(this.pos, '\\u must be followed by four hexadecimal digits');
          }
          this.pos += 6;
          continue;
        }
        if (esc === undefined || !ESCAPES.has(esc)) {
          throw new SyntaxProblem(this.pos, `invalid escape sequence \\${esc ?? ''} inside text`);
        }
        this.pos += 2;
        continue;
      }
      this.pos++;
    }
  }

  private number(): void {
    const match = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(this.text.slice(this.pos, this.pos + 400));
    if (!match) this.expected('a number');
    this.pos += match[0].length;
    const next = this.text[this.pos];
    if (next !== undefined && /[\d.eE]/.test(next)) {
      throw new SyntaxProblem(this.pos, 'this number is not written the way JSON allows (no leading zeros, digits after ".")');
    }
  }
}

function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text[i] === '\n') {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

/** Where and why `text` is not JSON; undefined when the scanner finds no problem. */
export function locateJsonSyntaxError(text: string): JsonSyntaxProblem | undefined {
  try {
    new Scanner(text).run();
    return undefined;
  } catch (e) {
    if (e instanceof SyntaxProblem) return { ...lineAndColumn(text, e.offset), message: e.message };
    if (e instanceof RangeError) return { line: 1, column: 1, message: 'the document is nested too deeply' };
    throw e;
  }
}
