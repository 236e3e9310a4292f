// The Configure page inside Jira as a Connect app: requests go with `fetch` to the app's own origin,
// carrying `Authorization: JWT <token>`. Inside Jira, all.js hands out a fresh context token; without
// it (offline, outside Jira) the page token the server put in the page is used until it expires.
import { startConfigurePage } from "./page.js";

const AP_TOKEN_WAIT_MS = 3000; // all.js outside Jira never answers getToken
// Above the server's own deadline (120 s), so a slow Save is answered, not given up on while it goes on.
const REQUEST_TIMEOUT_MS = 130000;

const pageToken = document.querySelector('meta[name="api-token"]').getAttribute("content");

function currentToken() {
  const ap = window.AP;
  if (!ap || !ap.context || typeof ap.context.getToken !== "function") return Promise.resolve(pageToken);
  return new Promise((resolve) => {
    const fallback = window.setTimeout(() => resolve(pageToken), AP_TOKEN_WAIT_MS);
    try {
      ap.context.getToken((token) => { window.clearTimeout(fallback); resolve(token || pageToken); });
    } catch {
      window.clearTimeout(fallback);
      resolve(pageToken);
    }
  });
}

const connectTransport = {
  async send(method, path, body) {
    const headers = { Accept: "application/json", Authorization: `JWT ${await currentToken()}` };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const abort = new window.AbortController();
    const timer = window.setTimeout(() => abort.abort(), REQUEST_TIMEOUT_MS);
    try {
      const response = await fetch(path, {
        method, headers, body: body === undefined ? undefined : JSON.stringify(body),
        credentials: "same-origin", cache: "no-store", signal: abort.signal,
      });
      const data = response.status === 204 ? null : await response.json().catch(() => null);
      return { status: response.status, body: data };
    } finally {
      window.clearTimeout(timer);
    }
  },
};

startConfigurePage(connectTransport);
