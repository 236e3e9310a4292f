/**
 * A small closed-loop load generator for 127.0.0.1: `concurrency` keep-alive connections, each sending
 * its next request when the last one is answered, until `requests` are done or `maxMs` has passed.
 *
 * It runs in the bench process, on the same cores as the server it measures, so it is kept cheap:
 * every request (body, signature, headers) is built and serialised to bytes before the clock starts,
 * and each connection is a plain TCP socket that writes those bytes and reads just enough of the
 * answer to know its status and where it ends (Content-Length, or a chunked body's last chunk).
 * node:http's client costs about twice the CPU per request of a bare node:http server, which would
 * make the generator, not the server, the limit of the fastest yardstick.
 */
import { readFileSync } from 'node:fs';
import net from 'node:net';

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
  /** The server's process, to report the CPU it used (Linux /proc only). */
  serverPid?: number;
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
  /** CPU the generator itself used during the round, in % of one core (user + system of this process). */
  generatorCpuPercent: number;
  /** CPU the server process used during the round, in % of one core (undefined without /proc). */
  serverCpuPercent: number | undefined;
}

/** User + system CPU time of `pid` so far, in ms (Linux; clock ticks of 10 ms). */
function processCpuMs(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return undefined;
  }
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

function serialise(url: URL, body: string, headers: Record<string, string>): Buffer {
  const bodyBytes = Buffer.from(body, 'utf8');
  let head = `POST ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${url.host}\r\nConnection: keep-alive\r\n`;
  for (const [k, v] of Object.entries(headers)) if (k.toLowerCase() !== 'content-length') head += `${k}: ${v}\r\n`;
  head += `Content-Length: ${bodyBytes.length}\r\n\r\n`;
  return Buffer.concat([Buffer.from(head, 'latin1'), bodyBytes]);
}

const CRLF2 = Buffer.from('\r\n\r\n');
const LAST_CHUNK = Buffer.from('\r\n0\r\n\r\n');

/**
 * How many bytes of `buf` the first complete answer takes, and its status; undefined while incomplete.
 */
function parseAnswer(buf: Buffer): { length: number; status: number; close: boolean } | undefined {
  const headEnd = buf.indexOf(CRLF2);
  if (headEnd < 0) return undefined;
  const head = buf.toString('latin1', 0, headEnd);
  const status = Number(head.slice(9, 12));
  const lower = head.toLowerCase();
  const close = /\r\nconnection:\s*close/.test(lower);
  const cl = /\r\ncontent-length:\s*(\d+)/.exec(lower);
  if (cl) {
    const length = headEnd + 4 + Number(cl[1]);
    return buf.length >= length ? { length, status, close } : undefined;
  }
  if (/\r\ntransfer-encoding:\s*chunked/.test(lower)) {
    const end = buf.indexOf(LAST_CHUNK, headEnd + 2);
    return end < 0 ? undefined : { length: end + LAST_CHUNK.length, status, close };
  }
  return { length: headEnd + 4, status, close }; // no body (204, 304...)
}

export async function runLoad(opts: LoadOptions): Promise<LoadResult> {
  const url = new URL(opts.url);
  if (url.hostname !== '127.0.0.1') throw new Error(`load generation is for 127.0.0.1 only, not ${url.hostname}`);
  // Built (serialised and signed) before the clock starts: the generator shares the cores with the server.
  const prepared = Array.from({ length: opts.requests }, () => {
    const { body, headers } = opts.next();
    return serialise(url, body, headers);
  });
  const latencies: number[] = [];
  const unexpected: Record<number, number> = {};
  let issued = 0;
  let ok = 0;
  const cpu0 = process.cpuUsage();
  const server0 = processCpuMs(opts.serverPid);
  const started = performance.now();
  const deadline = started + opts.maxMs;
  const count = (status: number, t0: number) => {
    latencies.push(performance.now() - t0);
    if (status === opts.expectStatus) ok++;
    else unexpected[status] = (unexpected[status] ?? 0) + 1;
  };

  const connection = () =>
    new Promise<void>((resolve) => {
      let socket: net.Socket;
      let pending: Buffer = Buffer.alloc(0);
      let inFlight: number | undefined; // send time of the request awaiting its answer
      const sendNext = () => {
        if (issued >= opts.requests || performance.now() >= deadline) {
          socket.removeAllListeners('close');
          socket.destroy();
          resolve();
          return;
        }
        const req = prepared[issued++]!;
        inFlight = performance.now();
        socket.write(req);
      };
      const open = () => {
        pending = Buffer.alloc(0);
        socket = net.connect({ host: url.hostname, port: Number(url.port) });
        socket.setNoDelay(true);
        socket.on('connect', sendNext);
        socket.on('data', (chunk: Buffer) => {
          pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
          const answer = parseAnswer(pending);
          if (!answer || inFlight === undefined) return;
          count(answer.status, inFlight);
          inFlight = undefined;
          pending = pending.subarray(answer.length);
          if (answer.close) {
            socket.removeAllListeners('close');
            socket.destroy();
            open();
          } else sendNext();
        });
        socket.on('error', () => undefined);
        socket.on('close', () => {
          if (inFlight !== undefined) {
            count(0, inFlight);
            inFlight = undefined;
          }
          open();
        });
      };
      open();
    });

  await Promise.all(Array.from({ length: opts.concurrency }, connection));
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const server1 = processCpuMs(opts.serverPid);
  latencies.sort((a, b) => a - b);
  return {
    requests: issued,
    ok,
    unexpected,
    seconds,
    perSecond: ok / seconds,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    generatorCpuPercent: ((cpu.user + cpu.system) / 1e3 / (seconds * 1000)) * 100,
    serverCpuPercent: server0 === undefined || server1 === undefined ? undefined : ((server1 - server0) / (seconds * 1000)) * 100,
  };
}
