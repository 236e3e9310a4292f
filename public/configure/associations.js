// The site's tracked configuration profiles: a table row each, with its health, and Remove.
import { $, clearMessage, element, showMessage } from "./dom.js";

const HEALTH = {
  ok: { label: "Healthy", lozenge: "aui-lozenge-success" },
  waiting: { label: "Waiting for events", lozenge: "aui-lozenge-current" },
  failing: { label: "Failing", lozenge: "aui-lozenge-error" },
  disabled: { label: "Disabled", lozenge: "aui-lozenge-subtle" },
};

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

export function createAssociations(api) {
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
    question.id = `remove-question-${association.id}`;
    const yes = element("button", "aui-button aui-button-danger", "Remove");
    const no = element("button", "aui-button aui-button-link", "Cancel");
    yes.type = no.type = "button";
    yes.setAttribute("aria-label", `Confirm removing ${name}`);
    no.setAttribute("aria-label", `Cancel removing ${name}`);
    // The focus lands on Cancel: the question is read with each button, not left unannounced beside them.
    for (const button of [yes, no]) button.setAttribute("aria-describedby", question.id);
    no.addEventListener("click", () => {
      const cell = removeCell(association, name);
      td.replaceWith(cell);
      cell.querySelector("button").focus(); // keyboard focus goes back where it was, not to the page
    });
    yes.addEventListener("click", () => removeAssociation(association, name, [yes, no]));
    td.replaceChildren(question, yes, no);
    no.focus();
  }

  async function removeAssociation(association, name, buttons) {
    buttons.forEach((button) => { button.disabled = true; });
    try {
      await api("DELETE", `/api/associations/${encodeURIComponent(association.id)}`);
      // A failed reload shows its own error (the row may still be listed): that is not hidden by the success.
      if (await load()) showMessage($("associations-message"), "success", `Stopped tracking ${name}.`);
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
      // The extension association's id: what the AWS admin's CLI commands (get/delete-extension-association) take.
      cell("AWS account", a.accountId, a.region, a.extensionAssociationId ? `Extension association ${a.extensionAssociationId}` : null),
      healthCell(a.health),
      removeCell(a, name),
    );
    return row;
  }

  function render(associations) {
    $("associations-body").replaceChildren(...associations.map(associationRow));
    $("associations").hidden = associations.length === 0;
    $("associations-status").textContent = associations.length === 0
      ? "No configuration profile is tracked yet. Fill in the form above to track one."
      : `${associations.length} tracked configuration profile${associations.length === 1 ? "" : "s"}.`;
  }

  /** True when the table now shows the site's associations. */
  async function load() {
    clearMessage($("associations-message"));
    try {
      const { associations } = await api("GET", "/api/associations");
      render(associations);
      return true;
    } catch (error) {
      $("associations-status").textContent = "";
      showMessage($("associations-message"), "error", "Could not load the tracked configuration profiles", [error.message]);
      return false;
    }
  }

  function start() {
    $("refresh-associations").addEventListener("click", load);
    load();
  }

  return { load, start };
}
