// The pickers: the Jira project search (with the project's issue types) and the "Load" buttons
// that list the AppConfig applications and configuration profiles the keys can see.
import { $, clearMessage, element, fillOptions } from "./dom.js";
import { clearFieldError, clearFieldErrors, reportError, showFieldError } from "./field-errors.js";
import { awsKeys, checkRequired, value, whileBusy } from "./form.js";

export function createPickers(api) {
  let knownProjects = [];
  let searchSeq = 0;
  let issueTypesSeq = 0;
  // The project whose issue types the list holds (null: the default alone, the project's not known yet).
  let issueTypesOf = null;
  // The project field was left before the search knew its project: the search's answer loads its types.
  let awaitingSearch = false;

  // A typed key (any case) or the exact name of a project found by the search selects that project.
  function resolveProjectKey(typed) {
    const lower = typed.toLowerCase();
    const match = knownProjects.find((p) => p.key.toLowerCase() === lower || p.name.toLowerCase() === lower);
    if (match) return match.key;
    return /^[a-z][a-z0-9_]*$/i.test(typed) ? typed.toUpperCase() : typed;
  }

  async function searchProjects() {
    const seq = ++searchSeq;
    try {
      const data = await api("GET", `/api/jira/projects?query=${encodeURIComponent(value("projectKey"))}`);
      if (seq !== searchSeq) return; // a later search has started; its answer wins
      knownProjects = data.projects;
      fillOptions($("project-options"), knownProjects, (p) => p.name, (p) => p.key);
      clearFieldError("projectKey");
      if (awaitingSearch && document.activeElement !== $("projectKey")) loadIssueTypes();
    } catch (error) {
      if (seq === searchSeq) showFieldError("projectKey", error.message);
    }
  }

  // The issue types of the project now chosen: the default (Task) until they are known, so a list of the
  // project chosen before is never offered for this one.
  function defaultIssueTypes() {
    fillOptions($("issueType"), [{ name: "Task" }], (t) => t.name, (t) => t.name);
    $("issueType").value = "Task";
  }

  async function loadIssueTypes() {
    const seq = ++issueTypesSeq;
    const key = resolveProjectKey(value("projectKey"));
    const project = knownProjects.find((p) => p.key === key);
    $("projectKey-description").textContent = project
      ? `Selected: ${project.name} (${project.key})` : "Type a project name or key, then pick the project.";
    defaultIssueTypes();
    issueTypesOf = null;
    clearFieldError("issueType");
    awaitingSearch = !project;
    if (!project) return;
    try {
      const { issueTypes } = await api("GET", `/api/jira/projects/${encodeURIComponent(key)}/issue-types`);
      if (seq !== issueTypesSeq || !issueTypes.length) return; // another project was chosen meanwhile
      const select = $("issueType");
      fillOptions(select, issueTypes, (t) => t.name, (t) => t.name);
      select.value = issueTypes.some((t) => t.name === "Task") ? "Task" : issueTypes[0].name;
      issueTypesOf = key;
    } catch (error) {
      if (seq === issueTypesSeq) showFieldError("issueType", error.message);
    }
  }

  async function loadChoices(trigger, field, path, extra, listKey, noun) {
    clearFieldErrors();
    clearMessage($("form-message"));
    if (!checkRequired(["accessKeyId", "secretAccessKey", ...Object.keys(extra)])) return;
    const group = $(`${field}-choices-group`);
    const select = $(`${field}-choices`);
    // The list answers for the Region (and application) asked about: changed meanwhile, it is dropped.
    const askedFor = () => JSON.stringify([value("region"), ...Object.values(extra)]);
    const asked = askedFor();
    const region = value("region");
    try {
      const data = await whileBusy(trigger, `Loading ${noun}s from AWS…`, () => api("POST", path, { ...awsKeys(), ...extra }));
      if (askedFor() !== asked) return;
      const items = data[listKey];
      if (!items.length) {
        group.hidden = true;
        showFieldError(field, `No ${noun}s found in ${region}${extra.applicationId ? ` for application ${extra.applicationId}` : ""}.`);
        return;
      }
      fillOptions(select, items, (item) => `${item.name} (${item.id})`, (item) => item.id);
      select.prepend(element("option", "", `Choose one of ${items.length} ${noun}s…`));
      select.selectedIndex = 0;
      group.hidden = false;
      select.focus();
    } catch (error) {
      group.hidden = true;
      if (askedFor() !== asked) return;
      reportError(error, $("form-message"), `Could not load the ${noun}s`);
    }
  }

  // A list loaded for another application (or Region) no longer applies: it is hidden, and a value
  // picked from it is cleared rather than saved against the wrong application.
  function forgetChoices(field) {
    const select = $(`${field}-choices`);
    const picked = Array.from(select.options).slice(1).some((o) => o.value === value(field));
    $(`${field}-choices-group`).hidden = true;
    select.replaceChildren();
    if (picked) $(field).value = "";
  }

  function chooseFrom(field) {
    const select = $(`${field}-choices`);
    if (select.selectedIndex <= 0 || $(field).value === select.value) return;
    $(field).value = select.value;
    if (field === "applicationId") forgetChoices("configurationProfileId");
  }

  function start() {
    let timer;
    $("projectKey").addEventListener("input", () => { window.clearTimeout(timer); timer = window.setTimeout(searchProjects, 300); });
    $("projectKey").addEventListener("change", loadIssueTypes);
    $("load-applications").addEventListener("click", () =>
      loadChoices($("load-applications"), "applicationId", "/api/aws/applications", {}, "applications", "application"));
    $("load-profiles").addEventListener("click", () =>
      loadChoices($("load-profiles"), "configurationProfileId", "/api/aws/configuration-profiles",
        { applicationId: value("applicationId") }, "profiles", "configuration profile"));
    $("applicationId-choices").addEventListener("change", () => chooseFrom("applicationId"));
    $("configurationProfileId-choices").addEventListener("change", () => chooseFrom("configurationProfileId"));
    $("applicationId").addEventListener("change", () => forgetChoices("configurationProfileId"));
    $("region").addEventListener("change", () => { forgetChoices("applicationId"); forgetChoices("configurationProfileId"); });
    searchProjects();
  }

  // The issue type picked for the project now chosen; undefined while its types are not known (the
  // server then takes Task, or the project's first type, rather than a default that may not exist there).
  const chosenIssueType = () => (issueTypesOf !== null && issueTypesOf === resolveProjectKey(value("projectKey")) ? value("issueType") : undefined);

  return { resolveProjectKey, chosenIssueType, start };
}
