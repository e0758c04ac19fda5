// Tiny DOM helpers: no framework, so the flows stay easy to follow.

type Child = Node | string | null | undefined | false;
type Attributes = Record<string, string | boolean | undefined>;

/** Creates an element: `h("button", { "data-testid": "x" }, "Label")`. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Attributes = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === true) element.setAttribute(name, "");
    else if (typeof value === "string") element.setAttribute(name, value);
  }
  element.append(...children.filter((child): child is Node | string => Boolean(child)));
  return element;
}

/** A button that runs `action` on click, disabled while it runs; failures go to the status area. */
export function button(label: string, testId: string, action: () => Promise<void> | void): HTMLButtonElement {
  const element = h("button", { type: "button", "data-testid": testId }, label);
  element.addEventListener("click", () => void busy(element, action));
  return element;
}

/** A one-field form: a label, then the input and its submit button side by side; the submit runs `action` with the value. */
export function inputForm(
  options: { label: string; testId: string; type?: string; autocomplete?: string; submitLabel: string },
  action: (value: string) => Promise<void> | void,
): HTMLFormElement {
  const input = h("input", {
    id: options.testId,
    type: options.type ?? "text",
    name: options.testId,
    required: true,
    autocomplete: options.autocomplete ?? "off",
    "data-testid": options.testId,
  });
  const submit = h("button", { type: "submit", "data-testid": `${options.testId}-submit` }, options.submitLabel);
  const form = h("form", {}, h("label", { for: options.testId }, options.label), h("fieldset", { role: "group" }, input, submit));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    void busy(submit, () => action(input.value.trim()));
  });
  return form;
}

/** The user stopped what they started (a step-up's Cancel): nothing went wrong, nothing changed. */
export class UserCancelled extends Error {}

async function busy(element: HTMLButtonElement, action: () => Promise<void> | void): Promise<void> {
  element.disabled = true;
  try {
    await action();
  } catch (error) {
    showFailure(error);
  } finally {
    element.disabled = false;
  }
}

const statusArea = () => document.querySelector<HTMLElement>("[data-testid=status]");

/** Shows a neutral message in the status area. */
export function showInfo(message: string): void {
  const status = statusArea();
  if (!status) return;
  status.textContent = message;
  status.className = "status info";
}

/** Shows an error in the status area. */
export function showError(message: string): void {
  const status = statusArea();
  if (!status) return;
  status.textContent = message;
  status.className = "status error";
}

/** What a failed action shows: a cancellation is news, not an error. */
export function showFailure(error: unknown): void {
  if (error instanceof UserCancelled) showInfo(error.message);
  else showError(messageOf(error));
}

export function clearStatus(): void {
  const status = statusArea();
  if (!status) return;
  status.textContent = "";
  status.className = "status";
}

/** A readable message for anything thrown: never "[object Object]", never a stack trace. */
export function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message || error.name;
  if (typeof error === "string") return error;
  return "Something went wrong.";
}
