/** Events for the bench's association, as the forwarder posts them: the JSON body, signed with its secret. */
import { signedEventHeaders, type EventTarget } from '../../test/support/events.js';

/** The bench's association as AppConfig knows it: its events URL and signing secret, its application and profile. */
export interface BenchTarget extends EventTarget {
  eventsUrl: string;
  signingSecret: string;
}

/** The parameters AppConfig passes the forwarder (the app drops SigningSecret before storing). */
export const parametersOf = (t: BenchTarget) => ({ EventsUrl: t.eventsUrl, SigningSecret: t.signingSecret });

/** The raw body of `event` and the headers the forwarder sends it with. */
export function signedRequest(t: BenchTarget, event: unknown): { body: string; headers: Record<string, string> } {
  const body = JSON.stringify(event);
  return { body, headers: signedEventHeaders(t.signingSecret, body) };
}

export async function postEvent(t: BenchTarget, event: unknown): Promise<{ status: number; json: unknown }> {
  const { body, headers } = signedRequest(t, event);
  const res = await fetch(t.eventsUrl, { method: 'POST', headers, body });
  const text = await res.text();
  return { status: res.status, json: text ? (JSON.parse(text) as unknown) : null };
}
