// The flag panel as a Forge Custom UI (jira:issueContext): the issue comes from the Forge context, the
// panel's data from the backend through invokeRemote (GET /api/panel/flag, authenticated by Forge's
// invocation token), and the HTML from the same renderer the Connect page uses.
import { invokeRemote, view } from "@forge/bridge";
import { flagPanelBody, flagPanelTitle, notAFlagBody, NOT_A_FLAG_TITLE } from "../../src/panel/render.ts";

const main = document.getElementById("main");

function showError(text) {
  const box = document.createElement("div");
  box.className = "aui-message aui-message-error";
  box.id = "panel-error";
  box.textContent = text;
  main.replaceChildren(box);
}

async function showPanel() {
  const context = await view.getContext();
  const issue = context && context.extension && context.extension.issue;
  const query = [
    ["issueId", issue && issue.id],
    ["issueKey", issue && issue.key],
  ]
    .filter(([, value]) => value)
    .map(([name, value]) => `${name}=${encodeURIComponent(String(value))}`)
    .join("&");
  if (!query) return showError("Jira did not say which issue this panel is on.");
  const answer = await invokeRemote({ path: `/api/panel/flag?${query}`, method: "GET" });
  // A call Forge could not deliver comes back as its error, without a status: the app did not answer.
  if (!answer || typeof answer.status !== "number") throw new Error("no answer from the app");
  if (answer.status !== 200) {
    const message = answer.body && answer.body.error && answer.body.error.message;
    return showError(`The app could not show this flag (${answer.status})${message ? `: ${message}` : "."}`);
  }
  const flag = answer.body && answer.body.flag;
  document.title = flag ? flagPanelTitle(flag) : NOT_A_FLAG_TITLE;
  // Every value in the rendered HTML is escaped (src/panel/render.ts).
  main.innerHTML = (flag ? flagPanelBody(flag) : notAFlagBody()).text;
}

showPanel()
  .catch(() => showError("The app did not answer; reload the issue to try again."))
  .finally(() => main.removeAttribute("aria-busy"));
