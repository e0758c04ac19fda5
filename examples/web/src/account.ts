// "Account security": the signed-in user's authenticators, through the generated API client.
// Adding one takes an enrollment token from the API (a track with the `add:authenticators`
// scope) and runs Authsignal's enrollment in the browser with it; removing one is an API call.
import { api, ok, problemMessage, type Authenticator } from "./api/client";
import { authsignal } from "./challenge";
import { withStepUp } from "./step-up";
import { button, h, inputForm, messageOf, showError, showInfo } from "./ui";

export interface SignedInUser {
  userId: string;
  username: string;
}

export function renderAccount(root: HTMLElement, user: SignedInUser): void {
  const list = h("ul", { class: "authenticators", "data-testid": "authenticators" });
  const enrollHost = h("div", { "data-testid": "enroll" });

  async function refresh(): Promise<void> {
    const { authenticators } = ok(await api().GET("/v1/me/authenticators"));
    renderAuthenticators(list, authenticators, remove);
  }

  async function remove(authenticator: Authenticator): Promise<void> {
    const result = await withStepUp("removeAuthenticator", (validationToken) =>
      api().DELETE("/v1/me/authenticators/{authenticatorId}", {
        params: {
          path: { authenticatorId: authenticator.id },
          header: { "Authsignal-Validation-Token": validationToken },
        },
      }),
    );
    // 409 `last_authenticator` and every other refusal: the problem's detail says why.
    if (!result.response.ok) return showError(problemMessage(result.error, result.response));
    showInfo(`Removed ${authenticator.verificationMethod}.`);
    await refresh();
  }

  /** An Authsignal client token allowed to add an authenticator (after a step-up if needed). */
  async function enrollmentToken(body: { email?: string }): Promise<string> {
    const result = await withStepUp("addAuthenticator", (validationToken) =>
      api().POST("/v1/me/authenticators/enrollment-token", {
        body,
        params: { header: { "Authsignal-Validation-Token": validationToken } },
      }),
    );
    return ok(result).token;
  }

  async function addPasskey(): Promise<void> {
    const token = await enrollmentToken({});
    let result;
    try {
      result = await authsignal().passkey.signUp({ token, username: user.username });
    } catch (error) {
      throw new Error(`No passkey was created (${error instanceof Error ? error.name : "cancelled"}).`);
    }
    if (result.errorCode === "expired_token") return enrollmentExpired();
    if (!result.data?.userAuthenticator && !result.data?.token) {
      throw new Error(result.errorDescription ?? result.error ?? "The passkey was not saved.");
    }
    showInfo("Passkey added.");
    await refresh();
  }

  function startAddEmail(): void {
    const emailForm = inputForm(
      { label: "Email", testId: "enroll-email", type: "email", autocomplete: "email", submitLabel: "Send code" },
      async (email) => {
        const sdk = authsignal();
        sdk.setToken(await enrollmentToken({ email }));
        const enrolled = await sdk.email.enroll({ email });
        if (enrolled.errorCode === "expired_token") return enrollmentExpired();
        if (!enrolled.data) throw new Error(enrolled.errorDescription ?? enrolled.error ?? "The code could not be sent.");
        showInfo(`We emailed a code to ${email}.`);
        enrollHost.replaceChildren(codeForm);
      },
    );
    const codeForm = inputForm(
      { label: "Code", testId: "enroll-code", autocomplete: "one-time-code", submitLabel: "Verify" },
      async (code) => {
        const verified = await authsignal().email.verify({ code });
        if (verified.errorCode === "expired_token") return enrollmentExpired();
        if (!verified.data) throw new Error(verified.errorDescription ?? verified.error ?? "The code could not be checked.");
        if (verified.data.failureReason === "MAX_ATTEMPTS_EXCEEDED") {
          enrollHost.replaceChildren();
          return showError("Too many wrong codes — start again.");
        }
        if (!verified.data.isVerified) return showError("Wrong code, try again.");
        enrollHost.replaceChildren();
        showInfo("Email added.");
        await refresh();
      },
    );
    enrollHost.replaceChildren(emailForm);
  }

  function enrollmentExpired(): void {
    enrollHost.replaceChildren(
      h("p", { class: "error", "data-testid": "enrollment-expired" }, "This enrollment has expired — start again."),
    );
    showError("This enrollment has expired — start again.");
  }

  async function openSettings(): Promise<void> {
    const { url } = ok(
      await api().POST("/v1/me/authenticators/settings-url", {
        body: { redirectUrl: `${window.location.origin}/` },
      }),
    );
    window.open(url, "_blank", "noopener");
  }

  root.replaceChildren(
    h(
      "section",
      { class: "panel", "data-testid": "account" },
      h("h2", {}, "Account security"),
      h("p", { class: "who" }, "Signed in as ", h("strong", { "data-testid": "username" }, user.username)),
      h("p", { class: "who" }, "User id ", h("code", { "data-testid": "user-id" }, user.userId)),
      list,
      h(
        "div",
        { class: "actions" },
        button("Add email", "add-email", startAddEmail),
        button("Add a passkey", "add-passkey", addPasskey),
        button("Manage in Authsignal", "open-settings", openSettings),
      ),
      enrollHost,
      h("div", { "data-testid": "step-up-host" }),
    ),
  );
  void refresh().catch((error: unknown) => showError(messageOf(error)));
}

/** One row per authenticator, each with a Remove button; shared with the admin view. */
export function renderAuthenticators(
  list: HTMLElement,
  authenticators: Authenticator[],
  onRemove: (authenticator: Authenticator) => Promise<void>,
): void {
  if (authenticators.length === 0) {
    list.replaceChildren(h("li", { class: "empty", "data-testid": "authenticators-empty" }, "No authenticators."));
    return;
  }
  list.replaceChildren(
    ...authenticators.map((authenticator) =>
      h(
        "li",
        { "data-testid": "authenticator", "data-method": authenticator.verificationMethod, "data-id": authenticator.id },
        h("span", { class: "method", "data-testid": "authenticator-method" }, authenticator.verificationMethod),
        h("span", { class: "detail" }, authenticator.email ?? authenticator.phoneNumber ?? authenticator.displayName ?? ""),
        h("span", { class: "date" }, authenticator.createdAt ? `added ${authenticator.createdAt.slice(0, 10)}` : ""),
        button("Remove", "authenticator-remove", () => onRemove(authenticator)),
      ),
    ),
  );
}
