// Errors next to their fields. An API error's `field` names the body property, and every input
// has that property's name as its id, so the error finds its field.
import { $, clearMessage, showMessage } from "./dom.js";

export const FIELDS = ["projectKey", "region", "accessKeyId", "secretAccessKey", "sessionToken",
  "applicationId", "configurationProfileId", "issueType", "extensionIdentifier"];

function describedBy(input, errorId, on) {
  const ids = (input.getAttribute("aria-describedby") || "").split(" ").filter((id) => id && id !== errorId);
  if (on) ids.push(errorId);
  if (ids.length) input.setAttribute("aria-describedby", ids.join(" "));
  else input.removeAttribute("aria-describedby");
}

export function showFieldError(field, message) {
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

export function clearFieldError(field) {
  const box = $(`${field}-error`);
  box.hidden = true;
  box.textContent = "";
  $(field).removeAttribute("aria-invalid");
  describedBy($(field), box.id, false);
}

export function clearFieldErrors() {
  FIELDS.forEach(clearFieldError);
}

export function focusFirstError() {
  const first = FIELDS.find((field) => !$(`${field}-error`).hidden);
  if (first) $(first).focus();
}

// Field errors go next to their field; anything else becomes a page-level message.
export function reportError(error, container, title) {
  if (error.field && showFieldError(error.field, error.message)) {
    clearMessage(container);
    focusFirstError();
  } else {
    showMessage(container, "error", title, [error.message]);
  }
}
