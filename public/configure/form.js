// The form's values, its required-field checks, its busy state, and the secrets it holds.
import { $ } from "./dom.js";
import { focusFirstError, showFieldError } from "./field-errors.js";

// Typed only to be sent once, in the request that needs them; cleared after every use.
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
  }
}
