// The page's one way to the app's /api routes. What differs between Connect and Forge is only the
// transport: `send(method, path, body)` resolves to `{ status, body }` (body: the parsed JSON answer,
// or null) and rejects when the app could not be reached at all. Everything else (success, the
// `{ error: { code, message, field } }` answers) is read here, the same way for both.

export class ApiError extends Error {
  constructor(status, code, message, field) {
    super(message);
    this.status = status;
    this.code = code;
    this.field = field;
  }
}

export function createApi(transport) {
  return async function api(method, path, body) {
    let answer;
    try {
      answer = await transport.send(method, path, body);
    } catch {
      throw new ApiError(0, "network", "The app did not answer. Check your connection and try again.");
    }
    const { status } = answer;
    const data = answer.body ?? null;
    if (status === 204) return null;
    if (status >= 200 && status < 300) return data;
    const error = data && data.error;
    // The page's token was refused. Inside Jira each call asks for a fresh one, so a reload helps only
    // when the page was open outside Jira long enough for its own to expire; say both.
    if (status === 401) {
      const why = error && error.message ? ` (${error.message})` : "";
      throw new ApiError(401, (error && error.code) || "unauthorized",
        `The app did not accept this page's sign-in${why}. Reload the page; if it happens again, the app may need to be installed again on this site.`);
    }
    if (error && error.message) throw new ApiError(status, error.code, error.message, error.field);
    throw new ApiError(status, "http", `The app answered with an error (HTTP ${status}). Try again.`);
  };
}
