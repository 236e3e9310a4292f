import { waitFor } from '../../test/support/wait.js';

/** The Configure page's API as a site admin calls it: a Connect context JWT on each request. */
export interface ApiAnswer {
  status: number;
  json: Record<string, unknown>;
}

export async function callApi(appUrl: string, jwt: string, method: 'GET' | 'POST', path: string, body?: unknown): Promise<ApiAnswer> {
  const res = await fetch(appUrl + path, {
    method,
    headers: { Authorization: `JWT ${jwt}`, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let json: Record<string, unknown> = {};
  try {
    json = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  } catch {
    json = { text };
  }
  return { status: res.status, json };
}

export interface AssociationHealth {
  status: string;
  backlog: number;
  failedEvents: number;
  lastError: { code: string; message: string } | null;
}

/** The Configure API as one admin calls it (a Connect JWT per call, or Forge's invokeRemote). */
export type AdminApi = (method: 'GET' | 'POST', path: string, body?: unknown) => Promise<ApiAnswer>;

/** The Connect page's way: `Authorization: JWT <context JWT>`. */
export const connectApi =
  (appUrl: string, jwt: string): AdminApi =>
  (method, path, body) =>
    callApi(appUrl, jwt, method, path, body);

export async function healthOf(api: AdminApi, associationId: string): Promise<AssociationHealth> {
  const res = await api('GET', '/api/associations');
  if (res.status !== 200) throw new Error(`GET /api/associations answered ${res.status}: ${JSON.stringify(res.json)}`);
  const list = (res.json.associations ?? []) as { id: string; health: AssociationHealth }[];
  const found = list.find((a) => a.id === associationId);
  if (!found) throw new Error(`association ${associationId} is not listed`);
  return found.health;
}

/**
 * Polls the association's health (the backlog the Configure page shows) until no event is pending.
 * Throws with the recorded failure if an event failed, or after `timeoutMs`.
 */
export async function waitUntilProcessed(api: AdminApi, associationId: string, timeoutMs: number, everyMs = 25): Promise<AssociationHealth> {
  const check = async () => {
    const health = await healthOf(api, associationId);
    if (health.failedEvents > 0) throw new Error(`an event failed: ${health.lastError?.message ?? 'no reason recorded'}`);
    return health.backlog === 0 ? health : undefined;
  };
  return waitFor('the app to work off every pending event', check, timeoutMs, everyMs);
}
