/**
 * A small closed-loop load generator for 127.0.0.1: `concurrency` keep-alive connections, each sending
 * its next request when the last one is answered, until `requests` are done or `maxMs` has passed.
 */
import http from 'node:http';

export interface LoadOptions {
  url: string;
  concurrency: number;
  /** Upper bound on requests. */
  requests: number;
  /** Upper bound on time. */
  maxMs: number;
  /** Body and headers of one request (each event has its own id and signature); all are built before the timed round. */
  next: () => { body: string; headers: Record<string, string> };
  expectStatus: number;
}

export interface LoadResult {
  requests: number;
  /** Answers with the expected status. */
  ok: number;
  /** Other statuses and failed connections, by status (0 = no answer). */
  unexpected: Record<number, number>;
  seconds: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

function send(agent: http.Agent, url: URL, body: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve) => {
    const req = http.request(
      { agent, host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: { ...headers, 'content-length': Buffer.byteLength(body) } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', () => resolve(0));
      },
    );
    req.on('error', () => resolve(0));
    req.end(body);
  });
}

export async function runLoad(opts: LoadOptions): Promise<LoadResult> {
  const url = new URL(opts.url);
  if (url.hostname !== '127.0.0.1') throw new Error(`load generation is for 127.0.0.1 only, not ${url.hostname}`);
  const agent = new http.Agent({ keepAlive: true, maxSockets: opts.concurrency });
  const latencies: number[] = [];
  const unexpected: Record<number, number> = {};
  // Built (serialised and signed) before the clock starts: the generator shares the cores with the app.
  const prepared = Array.from({ length: opts.requests }, () => opts.next());
  let issued = 0;
  let ok = 0;
  const started = performance.now();
  const deadline = started + opts.maxMs;
  const loop = async () => {
    while (issued < opts.requests && performance.now() < deadline) {
      const { body, headers } = prepared[issued++]!;
      const t0 = performance.now();
      const status = await send(agent, url, body, headers);
      latencies.push(performance.now() - t0);
      if (status === opts.expectStatus) ok++;
      else unexpected[status] = (unexpected[status] ?? 0) + 1;
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency }, loop));
  const seconds = (performance.now() - started) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  return {
    requests: issued,
    ok,
    unexpected,
    seconds,
    perSecond: ok / seconds,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
  };
}
