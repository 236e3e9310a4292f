/**
 * Real child processes for the demo and the benchmark, and the promise that none outlives the script:
 * every child is tracked, stopped with SIGTERM (then SIGKILL) on the way out, on SIGINT/SIGTERM too,
 * and killed outright if the script exits without stopping them.
 */
import { spawn, type ChildProcess } from 'node:child_process';

type JsonLine = Record<string, unknown>;

export interface Child {
  readonly name: string;
  readonly pid: number;
  /** The last lines the child wrote (stdout and stderr), to show when something fails. */
  tail(lines?: number): string;
  /** The first JSON line on stdout or stderr (from now on) that `match` accepts. */
  waitForJson(match: (line: JsonLine) => boolean, timeoutMs: number, what: string): Promise<JsonLine>;
  /** Writes one line to the child's stdin. */
  send(line: string): void;
  /** Resolves once the child has exited. */
  readonly exited: Promise<void>;
  /** SIGTERM, then SIGKILL if it is still there after `graceMs`; resolves once it has exited. */
  stop(graceMs?: number): Promise<void>;
}

const TAIL_LINES = 200;

class TrackedChild implements Child {
  readonly pid: number;
  readonly exited: Promise<void>;
  private readonly recent: string[] = [];
  private readonly watchers = new Set<(line: JsonLine) => void>();
  private exitCode: number | null | undefined;

  constructor(
    readonly name: string,
    readonly proc: ChildProcess,
  ) {
    proc.on('error', (err) => this.recent.push(`[${name}] ${err.message}`));
    if (proc.pid === undefined) throw new Error(`${name}: could not start`);
    this.pid = proc.pid;
    this.exited = new Promise((resolve) => proc.once('exit', (code) => ((this.exitCode = code), resolve())));
    this.read(proc.stdout);
    this.read(proc.stderr);
  }

  get running(): boolean {
    return this.exitCode === undefined;
  }

  private read(stream: NodeJS.ReadableStream | null): void {
    if (!stream) return;
    let partial = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) this.line(line);
    });
  }

  private line(text: string): void {
    // Kept for failure reports: a token handed over the Jira double's control channel is not shown there.
    this.recent.push(text.replace(/"jwt":"[^"]*"/g, '"jwt":"[redacted]"'));
    if (this.recent.length > TAIL_LINES) this.recent.shift();
    // Parsed only while someone waits: a busy app logs a line per event.
    if (this.watchers.size === 0 || !text.startsWith('{')) return;
    let parsed: JsonLine;
    try {
      parsed = JSON.parse(text) as JsonLine;
    } catch {
      return;
    }
    for (const w of [...this.watchers]) w(parsed);
  }

  tail(lines = 40): string {
    return this.recent.slice(-lines).join('\n');
  }

  waitForJson(match: (line: JsonLine) => boolean, timeoutMs: number, what: string): Promise<JsonLine> {
    return new Promise((resolve, reject) => {
      const done = (fn: () => void) => {
        clearTimeout(timer);
        this.watchers.delete(watcher);
        fn();
      };
      const watcher = (line: JsonLine) => {
        if (match(line)) done(() => resolve(line));
      };
      const timer = setTimeout(() => done(() => reject(new Error(`${this.name}: no ${what} within ${timeoutMs} ms\n${this.tail()}`))), timeoutMs);
      this.watchers.add(watcher);
      void this.exited.then(() => done(() => reject(new Error(`${this.name} exited (code ${this.exitCode}) before ${what}\n${this.tail()}`))));
    });
  }

  send(line: string): void {
    this.proc.stdin?.write(line + '\n');
  }

  async stop(graceMs = 5000): Promise<void> {
    if (!this.running) return;
    this.proc.kill('SIGTERM');
    const timer = setTimeout(() => this.proc.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }
}

export class Children {
  private readonly all: TrackedChild[] = [];
  private stopping: Promise<void> | undefined;

  constructor() {
    // Last resort: whatever path the script takes out, no child survives it.
    process.on('exit', () => {
      for (const c of this.all) if (c.running) c.proc.kill('SIGKILL');
    });
  }

  /** Starts `node <args>` with its own environment (nothing inherited that is not passed). */
  spawnNode(name: string, args: string[], opts: { env: NodeJS.ProcessEnv; cwd: string }): Child {
    const proc = spawn(process.execPath, args, { cwd: opts.cwd, env: opts.env, stdio: ['pipe', 'pipe', 'pipe'] });
    const child = new TrackedChild(name, proc);
    // A broken stdin pipe (the child is gone) must not crash the script.
    proc.stdin.on('error', () => undefined);
    this.all.push(child);
    return child;
  }

  /** The last lines of every child, for a failure report. */
  tails(lines = 15): string {
    return this.all.map((c) => `--- ${c.name} (pid ${c.pid}${c.running ? '' : ', exited'}) ---\n${c.tail(lines)}`).join('\n');
  }

  /** SIGTERM to every running child, SIGKILL to any still there after `graceMs`. */
  stopAll(graceMs = 5000): Promise<void> {
    this.stopping ??= Promise.all(this.all.map((c) => c.stop(graceMs))).then(() => undefined);
    return this.stopping;
  }
}

/**
 * Runs `cleanup` once on SIGINT/SIGTERM and exits with the signal's conventional code, so Ctrl-C
 * leaves nothing running behind. Returns a check "was the script interrupted?", so the work that
 * breaks off meanwhile is not reported as a failure.
 */
export function onInterrupt(cleanup: () => Promise<void>): () => boolean {
  let interrupted = false;
  const handler = (signal: NodeJS.Signals) => {
    if (interrupted) return;
    interrupted = true;
    process.stderr.write(`\n${signal}: stopping everything this script started...\n`);
    cleanup().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return () => interrupted;
}
