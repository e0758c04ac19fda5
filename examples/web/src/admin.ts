// Help-desk view, shown to members of the admin group: any user's authenticators by user id
// (their Cognito `sub`), and removal, the last one included.
import { describe, renderAuthenticators } from "./account";
import { api, ok, problemMessage, type Authenticator } from "./api/client";
import { withStepUp } from "./step-up";
import { h, inputForm, showError, showInfo } from "./ui";

export function renderAdmin(root: HTMLElement): void {
  const list = h("ul", { class: "authenticators", "data-testid": "admin-authenticators" });
  let userId = "";

  async function find(): Promise<void> {
    const { authenticators } = ok(
      await api().GET("/v1/admin/users/{userId}/authenticators", { params: { path: { userId } } }),
    );
    renderAuthenticators(list, authenticators, remove);
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
    if (!result.response.ok) return showError(problemMessage(result.error, result.response));
    showInfo(`Removed ${describe(authenticator)} from ${userId}.`);
    // The answer is the user's list that is left. No passkey signal: this browser is the
    // admin's, and holds none of the user's passkeys.
    renderAuthenticators(list, ok(result).authenticators, remove);
  }

  root.replaceChildren(
    h(
      "section",
      { class: "panel", "data-testid": "admin" },
      h("h2", {}, "Admin: a user's authenticators"),
      inputForm({ label: "User id", testId: "admin-user-id", submitLabel: "Find" }, async (value) => {
        userId = value;
        await find();
      }),
      list,
    ),
  );
}
