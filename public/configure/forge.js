// The Configure page as a Forge Custom UI: requests go through @forge/bridge's invokeRemote to the
// app's remote backend. Forge signs each call (a Forge Invocation Token plus the app and user
// tokens); the page holds no credential of its own. invokeRemote sends `body` as JSON and answers
// `{ status, headers, body }` with the JSON answer parsed.
//
// Imported from its own file: the package's index pulls in every bridge API (and each looks up the
// host bridge when loaded), while this page needs only invokeRemote.
import { invokeRemote } from "@forge/bridge";
import { startConfigurePage } from "./page.js";

const forgeTransport = {
  async send(method, path, body) {
    const answer = await invokeRemote(body === undefined ? { path, method } : { path, method, body });
    // A call Forge could not deliver comes back as its error, without a status: the app did not answer.
    if (!answer || typeof answer.status !== "number") throw new Error("invokeRemote: no answer from the app");
    return { status: answer.status, body: answer.body ?? null };
  },
};

startConfigurePage(forgeTransport);
