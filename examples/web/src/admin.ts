// Help-desk view, shown to members of the admin group: find a user by email (or by their
// Cognito `sub`), see their authenticators, remove one, or reset them with a reason (signed
// out everywhere, every authenticator but their own email's removed; their next sign-in proves it).
import { describe, renderAuthenticators } from "./account";
import { api, isProblem, ok, problemMessage, type Authenticator } from "./api/client";
import type { components } from "./api/schema";
import { withStepUp } from "./step-up";
import { button, h, inputForm, showError, showInfo } from "./ui";

type UserSummary = components["schemas"]["UserSummary"];

/** Reason codes the help desk picks from (the API takes any short code). */
const REASONS: [string, string][] = [
  ["lost_device", "Lost or replaced device"],
  ["account_compromised", "Account may be compromised"],
  ["user_request", "The user asked"],
];

export function renderAdmin(root: HTMLElement): void {
  const results = h("ul", { class: "rows", "data-testid": "admin-users" });
  const list = h("ul", { class: "rows", "data-testid": "admin-authenticators" });
  const selected = h("div", { "data-testid": "admin-selected" });
  let userId = "";
  let userLabel = "";
  const listOptions = { onRemove: remove, onlyOne: "Their only sign-in method" };

  async function search(email: string): Promise<void> {
    const found = ok(await api().GET("/v1/admin/users", { params: { query: { email } } }));
    if (found.users.length === 0) {
      results.replaceChildren(h("li", { class: "empty", "data-testid": "admin-users-empty" }, "No user has that email."));
      return;
    }
    results.replaceChildren(...found.users.map(userRow));
  }

  function userRow(user: UserSummary): HTMLElement {
    const count = user.authenticatorCount;
    const methods = count === undefined || count === null ? "sign-in methods unknown" : plural(count, "sign-in method");
    const openButton = button("Open", "admin-user-open", () => open(user.userId, user.username));
    openButton.className = "secondary outline";
    return h(
      "li",
      { class: "row", "data-testid": "admin-user", "data-user-id": user.userId },
      h(
        "div",
        { class: "detail" },
        h("span", { class: "name" }, user.username),
        h("span", { class: "facts" }, [user.email ?? user.phoneNumber, statusLabel(user.status), methods].filter(Boolean).join(" · ")),
      ),
      openButton,
    );
  }

  /** Opens a user: by the username a search found, or by id alone ("the user" in messages). */
  async function open(id: string, username?: string): Promise<void> {
    userId = id;
    userLabel = username ?? "the user";
    selected.replaceChildren(
      h("h3", {}, username ?? "User"),
      h("p", { class: "muted" }, "User id ", h("code", { class: "user-id" }, id)),
      list,
      resetForm(),
    );
    await find();
  }

  async function find(): Promise<void> {
    const { authenticators } = ok(
      await api().GET("/v1/admin/users/{userId}/authenticators", { params: { path: { userId } } }),
    );
    renderAuthenticators(list, authenticators, listOptions);
  }

  async function remove(authenticator: Authenticator): Promise<void> {
    // The contract asks only for the admin group here; should a deployment also want a recent
    // sign-in, the same step-up applies (the header is not in the contract, so it goes as is).
    const result = await withStepUp("removeAuthenticator", (validationToken) =>
      api().DELETE("/v1/admin/users/{userId}/authenticators/{authenticatorId}", {
        params: { path: { userId, authenticatorId: authenticator.id } },
        headers: validationToken ? { "Authsignal-Validation-Token": validationToken } : {},
      }),
    );
    if (isProblem(result.error) && result.error.code === "last_authenticator") {
      showError(`That is ${userLabel}'s only sign-in method, so it stays. Reset their sign-in instead.`);
      return find();
    }
    if (!result.response.ok) return showError(problemMessage(result.error, result.response));
    showInfo(`Removed ${describe(authenticator)} from ${userLabel}.`);
    // The answer is the user's list that is left. No passkey signal: this browser is the
    // admin's, and holds none of the user's passkeys.
    renderAuthenticators(list, ok(result).authenticators, listOptions);
  }

  function resetForm(): HTMLFormElement {
    const code = h(
      "select",
      { name: "reasonCode", "data-testid": "admin-reset-code" },
      ...REASONS.map(([value, label]) => h("option", { value }, label)),
    );
    const text = h("input", {
      name: "reason",
      required: true,
      maxlength: "256",
      "data-testid": "admin-reset-reason",
    });
    const submit = h("button", { type: "submit", "data-testid": "admin-reset-submit" }, "Reset sign-in");
    const form = h(
      "form",
      { "data-testid": "admin-reset" },
      h("h3", {}, "Reset sign-in"),
      h("p", { class: "muted" }, "Removes every sign-in method but their own email and signs them out everywhere; their next sign-in proves that email."),
      h("label", {}, "Reason", code),
      h("label", {}, "What happened", text),
      submit,
    );
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      submit.disabled = true;
      void reset(code.value, text.value)
        .catch((error: unknown) => showError(error instanceof Error ? error.message : String(error)))
        .finally(() => (submit.disabled = false));
    });
    return form;
  }

  async function reset(reasonCode: string, reason: string): Promise<void> {
    const done = ok(
      await api().POST("/v1/admin/users/{userId}/reset", {
        params: { path: { userId } },
        body: { reasonCode, reason },
      }),
    );
    const signedOut = done.signedOut ? "signed out everywhere" : "not signed out yet: reset again to retry";
    showInfo(`Reset ${userLabel}: ${plural(done.removed.length, "sign-in method")} removed${keptText(done.kept)}, ${signedOut}.`);
    await find();
  }

  root.replaceChildren(
    h(
      "article",
      { "data-testid": "admin" },
      h("h2", {}, "Help desk"),
      inputForm(
        { label: "Find by email", testId: "admin-search-email", type: "email", submitLabel: "Search" },
        search,
      ),
      results,
      inputForm({ label: "Or open by user id", testId: "admin-user-id", submitLabel: "Open" }, (value) =>
        open(value),
      ),
      selected,
    ),
  );
}

/** "1 sign-in method", "2 sign-in methods". */
function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}

/** Cognito's user status in words. */
function statusLabel(status: string): string {
  const labels: Record<string, string> = {
    CONFIRMED: "confirmed",
    UNCONFIRMED: "not confirmed",
    FORCE_CHANGE_PASSWORD: "must change password",
    RESET_REQUIRED: "reset required",
  };
  return labels[status] ?? status.toLowerCase().replace(/_/g, " ");
}

/**
 * What a reset left on the account: the user's own email (or phone number), kept or enrolled,
 * masked; the help desk confirms it with the user, since whoever held their session could have
 * changed it.
 */
function keptText(kept: components["schemas"]["ResetResult"]["kept"]): string {
  const contact = kept.verificationMethod === "SMS" ? "phone number" : "email";
  return `, ${kept.enrolled ? "enrolled" : "kept"} their own ${contact} ${kept.contact} (confirm it with them)`;
}
