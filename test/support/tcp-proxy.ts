/**
 * A TCP proxy on 127.0.0.1 in front of a real server (PostgreSQL), for making it unreachable honestly:
 * `cut()` resets every open connection and every new one (as a crashed or firewalled server does)
 * until `restore()`; the app under test only ever knows the proxy's address.
 */
import net from 'node:net';

export interface TcpProxy {
  readonly port: number;
  readonly isCut: boolean;
  cut(): void;
  restore(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const open = new Set<net.Socket>();
  let cut = false;
  const reset = (s: net.Socket) => (typeof s.resetAndDestroy === 'function' ? s.resetAndDestroy() : s.destroy());

  const server = net.createServer((client) => {
    if (cut) return void reset(client);
    const upstream = net.connect(target.port, target.host);
    open.add(client);
    open.add(upstream);
    const drop = () => {
      open.delete(client);
      open.delete(upstream);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    get isCut() {
      return cut;
    },
    cut() {
      cut = true;
      for (const s of open) reset(s);
      open.clear();
    },
    restore() {
      cut = false;
    },
    async close() {
      for (const s of open) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
