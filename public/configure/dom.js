// Small DOM helpers and the page-level AUI messages. No inline handlers or styles: the page runs
// under a strict Content-Security-Policy (Connect's iframe and Forge's Custom UI alike).

export const $ = (id) => document.getElementById(id);

export function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

// An AUI message: kind is success, error, warning or info; lines are paragraphs under the title.
export function showMessage(container, kind, title, lines = []) {
  const box = element("div", `aui-message aui-message-${kind}`);
  box.setAttribute("role", kind === "error" ? "alert" : "status");
  box.appendChild(element("p", "title", title));
  lines.filter(Boolean).forEach((line) => box.appendChild(element("p", "", line)));
  container.replaceChildren(box);
  box.scrollIntoView({ block: "nearest" });
}

export function clearMessage(container) {
  container.replaceChildren();
}

export function fillOptions(select, items, labelOf, valueOf) {
  select.replaceChildren(...items.map((item) => {
    const option = element("option", "", labelOf(item));
    option.value = valueOf(item);
    return option;
  }));
}
