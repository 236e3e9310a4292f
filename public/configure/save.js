// Test connection (the same request with ?dryRun=true: checks everything, creates nothing) and Save.
import { $, clearMessage, showMessage } from "./dom.js";
import { clearFieldErrors, reportError } from "./field-errors.js";
import { awsKeys, checkRequired, clearSecrets, value, whileBusy } from "./form.js";

// `event`: how far the backfill's event got while the save waited for it.
function backfillLine(backfill, saved, event) {
  if (backfill === "done") {
    if (event && event.status === "done") return "Every existing flag now has its issue.";
    if (event && event.status === "failed") {
      return `The existing flags were read, but not every issue could be written: ${event.reason} Save again to retry.`;
    }
    if (event && event.status === "gone") return "The association was removed while the existing flags were being turned into issues.";
    const lastTry = event && event.lastError ? ` The last try failed (${event.lastError}); it is tried again.` : "";
    return `The existing flags are being turned into issues; the table below shows the backlog.${lastTry}`;
  }
  if (backfill === "possible") return "Existing flags will get their issues as soon as you save.";
  // The reason says what happens instead ("…; issues appear with the next saved flag change").
  const reason = String(backfill || "").replace(/^skipped:\s*/, "");
  return saved ? `Existing flags were not read: ${reason}.` : `Existing flags will not be read on Save: ${reason}.`;
}

const named = (name, id) => (name && name !== id ? `${name} (${id})` : id);

// The profile was tracked in another project: its flags' issues stay there.
function movedLine(from, to, saved) {
  if (!from) return null;
  const what = saved ? `Moved from project ${from} to ${to}.` : `This profile is tracked in project ${from}; saving moves it to ${to}.`;
  return `${what} Its flags' existing issues stay in ${from} and are kept up to date there; flags without an issue get one in ${to}.`;
}

export function createSave(api, { resolveProjectKey, chosenIssueType, onSaved }) {
  function associationBody() {
    const body = { projectKey: resolveProjectKey(value("projectKey")), applicationId: value("applicationId"),
      configurationProfileId: value("configurationProfileId"), ...awsKeys() };
    const issueType = chosenIssueType();
    if (issueType) body.issueType = issueType;
    if (value("extensionIdentifier")) body.extensionIdentifier = value("extensionIdentifier");
    return body;
  }

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
      reportError(error, $("form-message"), dryRun ? "The connection test failed" : "Could not save");
      return;
    }
    const where = `Application ${named(result.applicationName, result.applicationId)} · ` +
      `profile ${named(result.configurationProfileName, result.configurationProfileId)} · AWS account ${result.accountId}`;
    if (dryRun) {
      const existing = result.existingExtensionAssociationId
        ? `Its existing extension association ${result.existingExtensionAssociationId} will be reused.`
        : "Saving creates the extension association in AppConfig.";
      showMessage($("form-message"), "success", "The connection works",
        [where, existing, movedLine(result.movedFromProject, result.projectKey, false), backfillLine(result.backfill, false)]);
      return;
    }
    clearSecrets();
    showMessage($("form-message"), "success", `Saved: project ${result.projectKey} now tracks this profile`,
      [where, movedLine(result.movedFromProject, result.projectKey, true), backfillLine(result.backfill, true, result.backfillEvent)]);
    await onSaved();
  }

  function start() {
    $("test-connection").addEventListener("click", () => submit(true));
    $("association-form").addEventListener("submit", (event) => { event.preventDefault(); submit(false); });
    // A success names the inputs it was checked or saved with: once one is edited, it no longer holds.
    $("association-form").addEventListener("input", () => {
      if ($("form-message").querySelector(".aui-message-success")) clearMessage($("form-message"));
    });
    // Secrets must not outlive the page (the back/forward cache keeps field values).
    window.addEventListener("pagehide", clearSecrets);
  }

  return { start };
}
