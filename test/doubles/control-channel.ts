/**
 * The --control stdin channel of a double run as its own process (test/doubles/{jira,forge}/main.ts):
 * each stdin line is one JSON command `{id, cmd, ...}`, answered by one JSON line on stdout,
 * `{id, ok: true, ...answer}` or `{id, ok: false, error}`. The end of stdin (the parent went away) calls
 * `onClose`. scripts/lib/double-processes.ts is the other end.
 */
import { createInterface } from 'node:readline';

export type ControlCommand = Record<string, unknown>;

export function serveControlChannel(command: (c: ControlCommand) => Promise<Record<string, unknown>>, onClose: () => void): void {
  const rl = createInterface({ input: process.stdin });
  rl.on('line', (text) => {
    let c: ControlCommand = {};
    void (async () => {
      c = JSON.parse(text) as ControlCommand;
      return { id: c.id, ok: true, ...(await command(c)) };
    })()
      .catch((err: unknown) => ({ id: c.id, ok: false, error: err instanceof Error ? err.message : String(err) }))
      .then((answer) => process.stdout.write(JSON.stringify(answer) + '\n'));
  });
  rl.on('close', onClose);
}
