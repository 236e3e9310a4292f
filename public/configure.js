// Configure page: associate an AppConfig feature-flag profile with a Jira project and list the
// site's associations with their health. Plain ES2020, no framework, no inline handlers (strict CSP).
"use strict";

(function configurePage() {
  const $ = (id) => document.getElementById(id);
  const form = $("association-form");
  // Fields named like the API body properties, so an error's `field` finds its input by id.
  const FIELDS = ["projectKey", "region", "accessKeyId", "secretAccessKey", "sessionToken",
    "applicationId", "configurationProfileId", "issueType", "extensionIdentifier"];
  const SECRET_FIELDS = ["secretAccessKey", "sessionToken"];
  const AP_TOKEN_WAIT_MS = 3000; // all.js outside Jira never answers getToken
  const REQUEST_TIMEOUT_MS = 90000; // the server bounds each AWS call; this only ends a hung request
  const HEALTH = {
    ok: { label: "Healthy", lozenge: "aui-lozenge-success" },
    waiting: { label: "Waiting for events", lozenge: "aui-lozenge-current" },
    failing: { label: "Failing", lozenge: "aui-lozenge-error" },
    disabled: { label: "Disabled", lozenge: "aui-lozenge-subtle" },
  };

  let sessionToken = document.querySelector('meta[name="api-token"]').getAttribute("content");
  let knownProjects = [];

  // ---- API ---------------------------------------------------------------------------------

  class ApiError extends Error {
    constructor(status, code, message, field) {
      super(message);
      this.status = status;
      this.code = code;
      this.field = field;
    }
  }

  // Inside Jira, all.js hands out a fresh context token; otherwise use the latest session token.
  function currentToken() {
    const ap = window.AP;
    if (!ap || !ap.context || typeof ap.context.getToken !== "function") return Promise.resolve(sessionToken);
    return new Promise((resolve) => {
      const fallback = window.setTimeout(() => resolve(sessionToken), AP_TOKEN_WAIT_MS);
      try {
        ap.context.getToken((token) => { window.clearTimeout(fallback); resolve(token || sessionToken); });
      } catch {
        window.clearTimeout(fallback);
        resolve(sessionToken);
      }
    });
  }

  async function api(method, path, body) {
    const headers = { Accept: "application/json", Authorization: `JWT ${await currentToken()}` };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const abort = new window.AbortController();
    const timer = window.setTimeout(() => abort.abort(), REQUEST_TIMEOUT_MS);
    let response;
    try {
      response = await fetch(path, {
        method, headers, body: body === undefined ? undefined : JSON.stringify(body),
        credentials: "same-origin", cache: "no-store", signal: abort.signal,
      });
    } catch {
      throw new ApiError(0, "network", "The app did not answer. Check your connection and try again.");
    } finally {
      window.clearTimeout(timer);
    }
    const refreshed = response.headers.get("X-acpt");
    if (refreshed) sessionToken = refreshed;
    if (response.status === 204) return null;
    const data = await response.json().catch(() => null);
    if (response.ok) return data;
    const error = data && data.error;
    if (error && error.message) throw new ApiError(response.status, error.code, error.message, error.field);
    if (response.status === 401) throw new ApiError(401, "unauthorized", "Your session has expired. Reload the page.");
    throw new ApiError(response.status, "http", `The app answered with an error (HTTP ${response.status}). Try again.`);
  }

  // ---- Messages and field errors ------------------------------------------------------------

  function element(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // An AUI message: kind is success, error, warning or info; lines are paragraphs under the title.
  function showMessage(container, kind, title, lines = []) {
    const box = element("div", `aui-message aui-message-${kind}`);
    box.setAttribute("role", kind === "error" ? "alert" : "status");
    box.appendChild(element("p", "title", title));
    lines.filter(Boolean).forEach((line) => box.appendChild(element("p", "", line)));
    container.replaceChildren(box);
    box.scrollIntoView({ block: "nearest" });
  }

  function clearMessage(container) {
    container.replaceChildren();
  }

  function describedBy(input, errorId, on) {
    const ids = (input.getAttribute("aria-describedby") || "").split(" ").filter((id) => id && id !== errorId);
    if (on) ids.push(errorId);
    if (ids.length) input.setAttribute("aria-describedby", ids.join(" "));
    else input.removeAttribute("aria-describedby");
  }

  function showFieldError(field, message) {
    if (!FIELDS.includes(field)) return false;
    const input = $(field);
    const box = $(`${field}-error`);
    box.textContent = message;
    box.hidden = false;
    input.setAttribute("aria-invalid", "true");
    describedBy(input, box.id, true);
    if (input.closest("details")) input.closest("details").open = true;
    return true;
  }

  function clearFieldErrors() {
    FIELDS.forEach((field) => {
      const box = $(`${field}-error`);
      box.hidden = true;
      box.textContent = "";
      $(field).removeAttribute("aria-invalid");
      describedBy($(field), box.id, false);
    });
  }

  function focusFirstError() {
    const first = FIELDS.find((field) => !$(`${field}-error`).hidden);
    if (first) $(first).focus();
  }

  // Field errors go next to their field; anything else becomes a page-level message.
  function reportError(error, container, title) {
    if (error.field && showFieldError(error.field, error.message)) {
      clearMessage(container);
      focusFirstError();
    } else {
      showMessage(container, "error", title, [error.message]);
    }
  }

  function clearSecrets() {
    SECRET_FIELDS.forEach((field) => { $(field).value = ""; });
  }

  // ---- Busy state ---------------------------------------------------------------------------

  const actionButtons = () => form.querySelectorAll("button");

  // Disables the form's buttons, shows a spinner next to the button that started the work and
  // announces the text through a live region that is always in the page.
  async function whileBusy(trigger, text, work) {
    actionButtons().forEach((button) => { button.disabled = true; });
    form.setAttribute("aria-busy", "true");
    trigger.setAttribute("aria-busy", "true");
    $("busy-text").textContent = text;
    $("announcer").textContent = text;
    trigger.after($("busy"));
    $("busy").hidden = false;
    try {
      return await work();
    } finally {
      $("busy").hidden = true;
      $("announcer").textContent = "";
      trigger.removeAttribute("aria-busy");
      form.removeAttribute("aria-busy");
      actionButtons().forEach((button) => { button.disabled = false; });
    }
  }

  // ---- Form values and checks ---------------------------------------------------------------

  const value = (field) => $(field).value.trim();

  // A typed key (any case) or the exact name of a project found by the search selects that project.
  function resolveProjectKey(typed) {
    const lower = typed.toLowerCase();
    const match = knownProjects.find((p) => p.key.toLowerCase() === lower || p.name.toLowerCase() === lower);
    if (match) return match.key;
    return /^[a-z][a-z0-9_]*$/i.test(typed) ? typed.toUpperCase() : typed;
  }

  function awsKeys() {
    const keys = { region: value("region"), accessKeyId: value("accessKeyId"), secretAccessKey: value("secretAccessKey") };
    if (value("sessionToken")) keys.sessionToken = value("sessionToken");
    return keys;
  }

  function associationBody() {
    const body = { projectKey: resolveProjectKey(value("projectKey")), applicationId: value("applicationId"),
      configurationProfileId: value("configurationProfileId"), ...awsKeys() };
    if (value("issueType")) body.issueType = value("issueType");
    if (value("extensionIdentifier")) body.extensionIdentifier = value("extensionIdentifier");
    return body;
  }

  const REQUIRED = {
    projectKey: "Choose a Jira project.",
    applicationId: "Enter the application's ID or name.",
    configurationProfileId: "Enter the configuration profile's ID or name.",
    accessKeyId: "Enter the access key ID.",
    secretAccessKey: "Enter the secret access key.",
  };

  // Shows an error next to each empty required field; true when all are filled.
  function checkRequired(fields) {
    const missing = fields.filter((field) => !value(field));
    missing.forEach((field) => showFieldError(field, REQUIRED[field]));
    focusFirstError();
    return missing.length === 0;
  }

  // ---- Jira project picker and issue types --------------------------------------------------

  function fillOptions(select, items, labelOf, valueOf) {
    select.replaceChildren(...items.map((item) => {
      const option = element("option", "", labelOf(item));
      option.value = valueOf(item);
      return option;
    }));
  }

  let searchSeq = 0;

  async function searchProjects() {
    const seq = ++searchSeq;
    try {
      const data = await api("GET", `/api/jira/projects?query=${encodeURIComponent(value("projectKey"))}`);
      if (seq !== searchSeq) return; // a later search has started; its answer wins
      knownProjects = data.projects;
      fillOptions($("project-options"), knownProjects, (p) => p.name, (p) => p.key);
    } catch (error) {
      showFieldError("projectKey", error.message);
    }
  }

  function debounce(fn, ms) {
    let timer;
    return () => { window.clearTimeout(timer); timer = window.setTimeout(fn, ms); };
  }

  async function loadIssueTypes() {
    const key = resolveProjectKey(value("projectKey"));
    const project = knownProjects.find((p) => p.key === key);
    $("projectKey-description").textContent = project
      ? `Selected: ${project.name} (${project.key})` : "Type a project name or key, then pick the project.";
    if (!project) return;
    try {
      const { issueTypes } = await api("GET", `/api/jira/projects/${encodeURIComponent(key)}/issue-types`);
      if (!issueTypes.length) return;
      const select = $("issueType");
      fillOptions(select, issueTypes, (t) => t.name, (t) => t.name);
      select.value = issueTypes.some((t) => t.name === "Task") ? "Task" : issueTypes[0].name;
    } catch (error) {
      showFieldError("issueType", error.message);
    }
  }

  // ---- AWS lists ("Load" buttons) -----------------------------------------------------------

  async function loadChoices(trigger, field, path, extra, listKey, noun) {
    clearFieldErrors();
    clearMessage($("form-message"));
    if (!checkRequired(["accessKeyId", "secretAccessKey", ...Object.keys(extra)])) return;
    const group = $(`${field}-choices-group`);
    const select = $(`${field}-choices`);
    try {
      const data = await whileBusy(trigger, `Loading ${noun}s from AWS…`, () => api("POST", path, { ...awsKeys(), ...extra }));
      const items = data[listKey];
      if (!items.length) {
        group.hidden = true;
        showFieldError(field, `No ${noun}s found in ${value("region")}.`);
        return;
      }
      fillOptions(select, items, (item) => `${item.name} (${item.id})`, (item) => item.id);
      select.prepend(element("option", "", `Choose one of ${items.length} ${noun}s…`));
      select.selectedIndex = 0;
      group.hidden = false;
      select.focus();
    } catch (error) {
      group.hidden = true;
      clearSecrets();
      reportError(error, $("form-message"), `Could not load the ${noun}s`);
    }
  }

  function chooseFrom(field) {
    const select = $(`${field}-choices`);
    if (select.selectedIndex > 0) $(field).value = select.value;
  }

  // ---- Test connection and Save -------------------------------------------------------------

  function backfillLine(backfill, saved) {
    if (backfill === "done") return "Every existing flag now has its issue.";
    if (backfill === "possible") return "Existing flags will get their issues as soon as you save.";
    const reason = String(backfill || "").replace(/^skipped:\s*/, "");
    const when = saved ? "Issues will appear" : "After saving, issues will appear";
    return `${when} with the next saved flag change (existing flags were not read: ${reason}).`;
  }

  const named = (name, id) => (name && name !== id ? `${name} (${id})` : id);

  async function submit(dryRun) {
    clearFieldErrors();
    clearMessage($("form-message"));
    if (!checkRequired(["projectKey", "accessKeyId", "secretAccessKey", "applicationId", "configurationProfileId"])) return;
    const path = dryRun ? "/api/associations?dryRun=true" : "/api/associations";
    let result;
    try {
      const trigger = dryRun ? $("test-connection") : $("save");
      result = await whileBusy(trigger, dryRun ? "Checking AWS…" : "Saving and checking AWS…", () => api("POST", path, associationBody()));
    } catch (error) {
      clearSecrets();
      reportError(error, $("form-message"), dryRun ? "The connection test failed" : "Could not save");
      return;
    }
    const where = `Application ${named(result.applicationName, result.applicationId)} · ` +
      `profile ${named(result.configurationProfileName, result.configurationProfileId)} · AWS account ${result.accountId}`;
    if (dryRun) {
      const existing = result.existingExtensionAssociationId
        ? `Its existing extension association ${result.existingExtensionAssociationId} will be reused.`
        : "Saving creates the extension association in AppConfig.";
      showMessage($("form-message"), "success", "The connection works", [where, existing, backfillLine(result.backfill, false)]);
      return;
    }
    clearSecrets();
    showMessage($("form-message"), "success", `Saved: project ${result.projectKey} now tracks this profile`,
      [where, backfillLine(result.backfill, true)]);
    await loadAssociations();
  }

  // ---- Associations table -------------------------------------------------------------------

  function formatTime(iso) {
    const date = new Date(iso);
    return Number.isNaN(date.getTime()) ? String(iso) : date.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
  }

  function cell(label, ...lines) {
    const td = element("td");
    td.dataset.label = label;
    lines.filter((line) => line !== null).forEach((line, i) => {
      td.appendChild(typeof line === "string" ? element("div", i ? "cfg-secondary" : "", line) : line);
    });
    return td;
  }

  function timeElement(prefix, iso) {
    const line = element("div", "cfg-secondary", `${prefix} `);
    const time = element("time", "", formatTime(iso));
    time.dateTime = iso;
    line.appendChild(time);
    return line;
  }

  function healthCell(health) {
    const kind = HEALTH[health.status] || { label: health.status, lozenge: "aui-lozenge-subtle" };
    const lozenge = element("span", `aui-lozenge ${kind.lozenge}`, kind.label);
    const lastEvent = health.lastEventAt ? timeElement("Last event", health.lastEventAt) : "No event received yet";
    const counts = `Backlog ${health.backlog} · Failed events ${health.failedEvents}`;
    const lastError = health.lastError
      ? element("div", "cfg-secondary cfg-error-text", `Last error: ${health.lastError.message} (${health.lastError.code}, ${formatTime(health.lastError.at)})`)
      : null;
    return cell("Health", lozenge, lastEvent, counts, lastError);
  }

  function removeCell(association, name) {
    const td = element("td", "cfg-actions");
    td.dataset.label = "Actions";
    const remove = element("button", "aui-button", "Remove");
    remove.type = "button";
    remove.setAttribute("aria-label", `Remove ${name}`);
    remove.addEventListener("click", () => confirmRemove(td, association, name));
    td.appendChild(remove);
    return td;
  }

  // The confirm step replaces the Remove button in place; Cancel puts it back.
  function confirmRemove(td, association, name) {
    const question = element("p", "cfg-confirm", "Stop tracking it? Its Jira issues stay; new AppConfig events for it are refused.");
    const yes = element("button", "aui-button aui-button-danger", "Remove");
    const no = element("button", "aui-button aui-button-link", "Cancel");
    yes.type = no.type = "button";
    yes.setAttribute("aria-label", `Confirm removing ${name}`);
    no.addEventListener("click", () => { td.replaceWith(removeCell(association, name)); });
    yes.addEventListener("click", () => removeAssociation(association, name, [yes, no]));
    td.replaceChildren(question, yes, no);
    no.focus();
  }

  async function removeAssociation(association, name, buttons) {
    buttons.forEach((button) => { button.disabled = true; });
    try {
      await api("DELETE", `/api/associations/${encodeURIComponent(association.id)}`);
      await loadAssociations();
      showMessage($("associations-message"), "success", `Stopped tracking ${name}.`);
      $("associations-heading").focus();
    } catch (error) {
      buttons.forEach((button) => { button.disabled = false; });
      showMessage($("associations-message"), "error", `Could not remove ${name}`, [error.message]);
    }
  }

  function associationRow(a) {
    const name = `${a.applicationName} / ${a.configurationProfileName}`;
    const row = element("tr");
    row.dataset.associationId = a.id;
    row.append(
      cell("Project", a.projectKey, a.issueType ? `${a.issueType} issues` : null),
      cell("Application", a.applicationName, a.applicationId),
      cell("Profile", a.configurationProfileName, a.configurationProfileId),
      cell("AWS account", a.accountId, a.region),
      healthCell(a.health),
      removeCell(a, name),
    );
    return row;
  }

  function renderAssociations(associations) {
    $("associations-body").replaceChildren(...associations.map(associationRow));
    $("associations").hidden = associations.length === 0;
    $("associations-status").textContent = associations.length === 0
      ? "No configuration profile is tracked yet. Fill in the form above to track one."
      : `${associations.length} tracked configuration profile${associations.length === 1 ? "" : "s"}.`;
  }

  async function loadAssociations() {
    clearMessage($("associations-message"));
    try {
      const { associations } = await api("GET", "/api/associations");
      renderAssociations(associations);
    } catch (error) {
      $("associations-status").textContent = "";
      showMessage($("associations-message"), "error", "Could not load the tracked configuration profiles", [error.message]);
    }
  }

  // ---- Wiring -------------------------------------------------------------------------------

  function start() {
    $("projectKey").addEventListener("input", debounce(searchProjects, 300));
    $("projectKey").addEventListener("change", loadIssueTypes);
    $("load-applications").addEventListener("click", () =>
      loadChoices($("load-applications"), "applicationId", "/api/aws/applications", {}, "applications", "application"));
    $("load-profiles").addEventListener("click", () =>
      loadChoices($("load-profiles"), "configurationProfileId", "/api/aws/configuration-profiles",
        { applicationId: value("applicationId") }, "profiles", "configuration profile"));
    $("applicationId-choices").addEventListener("change", () => chooseFrom("applicationId"));
    $("configurationProfileId-choices").addEventListener("change", () => chooseFrom("configurationProfileId"));
    $("applicationId").addEventListener("change", () => { $("configurationProfileId-choices-group").hidden = true; });
    $("test-connection").addEventListener("click", () => submit(true));
    form.addEventListener("submit", (event) => { event.preventDefault(); submit(false); });
    $("refresh-associations").addEventListener("click", loadAssociations);
    // Secrets must not outlive the page (back/forward cache keeps field values).
    window.addEventListener("pagehide", clearSecrets);
    searchProjects();
    loadAssociations();
  }

  start();
})();
