/**
 * The app's own view of its Jira calls: every request it starts to a base URL, with when it started and
 * when its answer came (the app and the test share one process, so `fetch` is the app's). What the
 * Jira double records is Jira's view; this is the view that says what the app knew when it sent a call.
 */
export interface AppCall {
  started: number;
  answered?: number;
  /** Where the start and the answer fall in the order of everything this watcher saw (times are whole ms: two things in one ms need this). */
  startedSeq: number;
  answeredSeq?: number;
  status?: number;
  method: string;
  path: string;
}

export function watchAppFetch(baseUrl: string): { calls: AppCall[]; restore(): void } {
  const original = globalThis.fetch;
  const calls: AppCall[] = [];
  let seq = 0;
  globalThis.fetch = async (input: string | URL | Request, init?: RequestInit) => {
    const url = input instanceof Request ? input.url : String(input);
    if (!url.startsWith(baseUrl)) return original(input, init);
    const call: AppCall = { started: Date.now(), startedSeq: ++seq, method: init?.method ?? 'GET', path: new URL(url).pathname };
    calls.push(call);
    const res = await original(input, init);
    call.answered = Date.now();
    call.answeredSeq = ++seq;
    call.status = res.status;
    return res;
  };
  return { calls, restore: () => void (globalThis.fetch = original) };
}
