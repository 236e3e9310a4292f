/**
 * The HTTP server's time and reuse limits, in one place. Node's defaults let a client hold a socket for
 * five minutes while it trickles a request in, and check those limits only every 30 s.
 */
import http from 'node:http';

export const SERVER_LIMITS = {
  /** The whole header block must arrive within this (slow-header clients are cut off). */
  headersTimeoutMs: 20_000,
  /** The whole request, body included (at most 5 MiB for an event), must arrive within this. */
  requestTimeoutMs: 30_000,
  /**
   * An idle keep-alive socket is closed after this. Longer than a load balancer's usual idle timeout
   * (60 s on AWS ALB), so the app never closes a socket the balancer is about to reuse (a 502 there).
   */
  keepAliveTimeoutMs: 65_000,
  /** Requests served on one socket before it is closed, so no client keeps one socket forever. */
  maxRequestsPerSocket: 1000,
  /** How often Node checks the header and request timeouts above. */
  connectionsCheckingIntervalMs: 2_000,
} as const;

/** The app's HTTP server, with SERVER_LIMITS. */
export function createHttpServer(): http.Server {
  const server = http.createServer({
    headersTimeout: SERVER_LIMITS.headersTimeoutMs,
    requestTimeout: SERVER_LIMITS.requestTimeoutMs,
    keepAliveTimeout: SERVER_LIMITS.keepAliveTimeoutMs,
    connectionsCheckingInterval: SERVER_LIMITS.connectionsCheckingIntervalMs,
  });
  server.maxRequestsPerSocket = SERVER_LIMITS.maxRequestsPerSocket;
  return server;
}
