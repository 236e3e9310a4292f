/**
 * Plain node:http requests for abuse tests: any method may carry a body (fetch refuses one on GET), the
 * connection pool is sized by the test, and a hang is reported as such instead of waiting forever.
 */
import fs from 'node:fs';
import http from 'node:http';

export type RawAnswer = { status: number; body: string; ms: number } | { error: string; ms: number };

export function rawRequest(
  agent: http.Agent,
  base: string,
  opts: { method: string; path: string; body?: string | Buffer; headers?: Record<string, string>; timeoutMs: number },
): Promise<RawAnswer> {
  const started = Date.now();
  return new Promise((resolve) => {
    // Explicit length: node's client sends a GET or DELETE body with neither length nor chunking otherwise.
    const headers = opts.body === undefined ? opts.headers : { ...opts.headers, 'content-length': String(Buffer.byteLength(opts.body)) };
    const req = http.request(`${base}${opts.path}`, { method: opts.method, agent, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), ms: Date.now() - started }));
      res.on('error', (err) => resolve({ error: err.message, ms: Date.now() - started }));
    });
    req.setTimeout(opts.timeoutMs, () => req.destroy(new Error('hang')));
    req.on('error', (err) => resolve({ error: (err as NodeJS.ErrnoException).code ?? err.message, ms: Date.now() - started }));
    req.end(opts.body);
  });
}

/** Resident memory of a process (Linux), in MB. */
export function rssMb(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
  return kb / 1024;
}
