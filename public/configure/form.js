// The form's values, its required-field checks, its busy state, and the secrets it holds.
import { $ } from "./dom.js";
import { focusFirstError, showFieldError } from "./field-errors.js";

// Sent only in the requests that need them; cleared once Save has used them, and when the page goes
// away. A failed request keeps them, so a typo elsewhere does not cost the admin the secret.
const SECRET_FIELDS = ["secretAccessKey", "sessionToken"];

export const value = (field) => $(field).value.trim();

export function clearSecrets() {
  SECRET_FIELDS.forEach((field) => { $(field).value = ""; });
}

export function awsKeys() {
  const keys = { region: value("region"), accessKeyId: value("accessKeyId"), secretAccessKey: value("secretAccessKey") };
  if (value("sessionToken")) keys.sessionToken = value("sessionToken");
  return keys;
}

const REQUIRED = {
  projectKey: "Choose a Jira project.",
  applicationId: "Enter the application's ID or name.",
  configurationProfileId: "Enter the configuration profile's ID or name.",
  accessKeyId: "Enter the access key ID.",
  secretAccessKey: "Enter the secret access key.",
};

// Shows an error next to each empty required field; true when all are filled.
export function checkRequired(fields) {
  const missing = fields.filter((field) => !value(field));
  missing.forEach((field) => showFieldError(field, REQUIRED[field]));
  focusFirstError();
  return missing.length === 0;
}

// Disables the form's buttons, shows a spinner next to the button that started the work and
// announces the text through a live region that is always in the page.
export async function whileBusy(trigger, text, work) {
  const form = $("association-form");
  const buttons = () => form.querySelectorAll("button");
  buttons().forEach((button) => { button.disabled = true; });
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
    buttons().forEach((button) => { button.disabled = false; });
    // Disabling the focused button dropped the keyboard focus on the page's body: it goes back there
    // (an error then moves it to the field in error).
    if (!document.activeElement || document.activeElement === document.body) trigger.focus();
  }
}
