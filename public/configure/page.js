// The Configure page, whatever carries its requests: wires the pickers, Test connection and Save,
// and the associations list to one api built on the given transport.
import { createApi } from "./api.js";
import { createAssociations } from "./associations.js";
import { createPickers } from "./pickers.js";
import { createSave } from "./save.js";

export function startConfigurePage(transport) {
  const api = createApi(transport);
  const associations = createAssociations(api);
  const pickers = createPickers(api);
  const save = createSave(api, { resolveProjectKey: pickers.resolveProjectKey, chosenIssueType: pickers.chosenIssueType, onSaved: associations.load });
  save.start();
  pickers.start();
  associations.start();
}
