// "Account security": the signed-in user's authenticators, through the generated API client.
// Adding one takes an enrollment token from the API (a track with the `add:authenticators`
// scope) and runs Authsignal's enrollment in the browser with it; removing one is an API call.
import { renderSVG } from "uqr";
import { api, isProblem, ok, problemMessage, type Authenticator, type AuthenticatorList } from "./api/client";
import { authsignal } from "./challenge";
import { signalAcceptedPasskeys } from "./passkey-signals";
import { withStepUp } from "./step-up";
import { button, h, inputForm, messageOf, showError, showInfo } from "./ui";

export interface SignedInUser {
  userId: string;
  username: string;
}

export function renderAccount(root: HTMLElement, user: SignedInUser): void {
  const list = h("ul", { class: "rows", "data-testid": "authenticators" });
  const enrollHost = h("div", { "data-testid": "enroll" });

  /** Shows the list and tells the browser which of the user's passkeys are still accepted. */
  async function show(answer: AuthenticatorList): Promise<void> {
    renderAuthenticators(list, answer.authenticators, { onRemove: remove, onlyOne: "Your only sign-in method" });
    await signalAcceptedPasskeys(answer.passkeys);
  }

  async function refresh(): Promise<void> {
    await show(ok(await api().GET("/v1/me/authenticators")));
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
    if (isProblem(result.error) && result.error.code === "last_authenticator") {
      // The list on the page was out of date (another tab removed the rest): show the one left.
      showError("You can't remove your only sign-in method. Add another one first.");
      return refresh();
    }
    if (!result.response.ok) return showError(problemMessage(result.error, result.response));
    showInfo(`Removed ${describe(authenticator)}.`);
    // The answer is the list that is left.
    await show(ok(result));
  }

  /** An Authsignal client token allowed to add an authenticator (after a step-up if needed). */
  async function enrollmentToken(body: { email?: string; phoneNumber?: string }): Promise<string> {
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

  /** "Add a phone": an SMS code to the number, then the code. */
  function startAddPhone(): void {
    const phoneForm = inputForm(
      { label: "Phone number (+44…)", testId: "enroll-phone", type: "tel", autocomplete: "tel", submitLabel: "Text me a code" },
      async (phoneNumber) => {
        const sdk = authsignal();
        sdk.setToken(await enrollmentToken({ phoneNumber }));
        const enrolled = await sdk.sms.enroll({ phoneNumber });
        if (enrolled.errorCode === "expired_token") return enrollmentExpired();
        if (!enrolled.data) throw new Error(enrolled.errorDescription ?? enrolled.error ?? "The code could not be sent.");
        showInfo("We texted you a code.");
        enrollHost.replaceChildren(
          confirmForm("enroll-sms-code", (code) => authsignal().sms.verify({ code }), "Phone added."),
        );
      },
    );
    enrollHost.replaceChildren(phoneForm);
  }

  /** "Add an authenticator app": a QR code of the otpauth:// URI and the secret as text, then a code. */
  async function addAuthenticatorApp(): Promise<void> {
    const sdk = authsignal();
    sdk.setToken(await enrollmentToken({}));
    const enrolled = await sdk.totp.enroll();
    if (enrolled.errorCode === "expired_token") return enrollmentExpired();
    if (!enrolled.data) throw new Error(enrolled.errorDescription ?? enrolled.error ?? "The app could not be added.");
    const qr = h("div", { class: "qr", "data-testid": "totp-qr", role: "img", "aria-label": "QR code for your authenticator app" });
    // renderSVG builds the SVG from the URI alone: no markup from elsewhere goes into the page.
    qr.innerHTML = renderSVG(enrolled.data.uri, { border: 2 });
    enrollHost.replaceChildren(
      h("p", {}, "Scan this with your authenticator app, or type the key into it:"),
      qr,
      h("p", {}, h("code", { "data-testid": "totp-secret" }, enrolled.data.secret)),
      confirmForm("enroll-totp-code", (code) => authsignal().totp.verify({ code }), "Authenticator app added."),
    );
    showInfo("Enter the code your app shows to finish.");
  }

  /** The code form that finishes an SMS or authenticator-app enrollment. */
  function confirmForm(
    testId: string,
    verify: (code: string) => ReturnType<ReturnType<typeof authsignal>["sms"]["verify"]>,
    done: string,
  ): HTMLFormElement {
    return inputForm({ label: "Code", testId, autocomplete: "one-time-code", submitLabel: "Verify" }, async (code) => {
      const verified = await verify(code);
      if (verified.errorCode === "expired_token") return enrollmentExpired();
      if (!verified.data) throw new Error(verified.errorDescription ?? verified.error ?? "The code could not be checked.");
      if (!verified.data.isVerified) return showError("Wrong code, try again.");
      enrollHost.replaceChildren();
      showInfo(done);
      await refresh();
    });
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

  const actions = [
    button("Add an email", "add-email", startAddEmail),
    button("Add a phone", "add-phone", startAddPhone),
    button("Add an authenticator app", "add-totp", addAuthenticatorApp),
    button("Add a passkey", "add-passkey", addPasskey),
    button("Manage in Authsignal", "open-settings", openSettings),
  ];
  for (const action of actions) action.className = "secondary outline";
  root.replaceChildren(
    h(
      "article",
      { "data-testid": "account" },
      h("h2", {}, "Account security"),
      h("p", {}, "Signed in as ", h("strong", { "data-testid": "username" }, user.username)),
      h("p", { class: "muted" }, "User id ", h("code", { class: "user-id", "data-testid": "user-id" }, user.userId)),
      h("h3", {}, "How you sign in"),
      list,
      h("div", { class: "actions" }, ...actions),
      enrollHost,
      h("div", { "data-testid": "step-up-host" }),
    ),
  );
  void refresh().catch((error: unknown) => showError(messageOf(error)));
}

/** Drawn here rather than as emoji, which not every system has a font for. */
const NEUTRAL_ICONS = {
  passkey: svgDataUrl(
    '<circle cx="8" cy="12" r="4.5"/><path d="M12.5 12H21M18 12v3.5M21 12v2.5"/>',
  ),
  email: svgDataUrl('<rect x="3" y="6" width="18" height="12" rx="2"/><path d="M3.5 7l8.5 6 8.5-6"/>'),
  phone: svgDataUrl('<rect x="7" y="2.5" width="10" height="19" rx="2"/><path d="M11 18.5h2"/>'),
  app: svgDataUrl('<circle cx="12" cy="12" r="8.5"/><path d="M12 7v5l3 2"/>'),
};

function iconKind(method: string): keyof typeof NEUTRAL_ICONS {
  if (method === "PASSKEY" || method === "SECURITY_KEY") return "passkey";
  if (method === "SMS" || method === "WHATSAPP") return "phone";
  if (method === "AUTHENTICATOR_APP") return "app";
  return "email";
}

function svgDataUrl(shapes: string): string {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24" fill="none" stroke="#59636e" stroke-width="1.8" stroke-linecap="round">${shapes}</svg>`;
  return `data:image/svg+xml,${encodeURIComponent(svg)}`;
}

/** How the methods are grouped on the page, in this order; anything else goes last. */
const GROUPS: { title: string; methods: string[] }[] = [
  { title: "Passkeys", methods: ["PASSKEY", "SECURITY_KEY"] },
  { title: "Email", methods: ["EMAIL_OTP", "EMAIL_MAGIC_LINK"] },
  { title: "Phone", methods: ["SMS", "WHATSAPP"] },
  { title: "Authenticator apps", methods: ["AUTHENTICATOR_APP"] },
];

/** What each method is called on the page; Authsignal's codes (`EMAIL_OTP`) never show. */
const METHOD_LABELS: Record<string, string> = {
  PASSKEY: "Passkey",
  SECURITY_KEY: "Security key",
  EMAIL_OTP: "Email code",
  EMAIL_MAGIC_LINK: "Email link",
  SMS: "Text message code",
  WHATSAPP: "WhatsApp code",
  AUTHENTICATOR_APP: "Authenticator app",
  PUSH: "Push notification",
};

/** `EMAIL_OTP` → "Email code"; a method this app does not know yet → "Some method". */
export function methodLabel(method: string): string {
  const known = METHOD_LABELS[method];
  if (known) return known;
  const words = method.toLowerCase().replace(/_/g, " ");
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** "the passkey “Google Password Manager”", "email j***@example.com": what the user recognises. */
export function describe(authenticator: Authenticator): string {
  if (authenticator.verificationMethod === "PASSKEY") return `the passkey “${authenticator.displayName ?? "Passkey"}”`;
  if (authenticator.email) return `email ${authenticator.email}`;
  if (authenticator.phoneNumber) return `phone ${authenticator.phoneNumber}`;
  if (authenticator.verificationMethod === "AUTHENTICATOR_APP") return "the authenticator app";
  return authenticator.displayName ?? methodLabel(authenticator.verificationMethod).toLowerCase();
}

export interface ListOptions {
  onRemove: (authenticator: Authenticator) => Promise<void>;
  /** Shown instead of Remove on an authenticator the API says is not removable (the only one). */
  onlyOne: string;
}

/** The authenticators grouped by kind, each with its details and a Remove button; shared with the admin view. */
export function renderAuthenticators(list: HTMLElement, authenticators: Authenticator[], options: ListOptions): void {
  if (authenticators.length === 0) {
    list.replaceChildren(h("li", { class: "empty", "data-testid": "authenticators-empty" }, "No sign-in methods yet."));
    return;
  }
  const known = GROUPS.flatMap((group) => group.methods);
  const groups = [
    ...GROUPS.map((group) => ({ title: group.title, members: authenticators.filter((a) => group.methods.includes(a.verificationMethod)) })),
    { title: "Other", members: authenticators.filter((a) => !known.includes(a.verificationMethod)) },
  ].filter((group) => group.members.length > 0);
  // Masked contacts can look alike (two addresses both `j***@example.com`): those rows say
  // when each was added, to the second, so the user can tell which is which.
  const names = authenticators.map(nameOf);
  const alike = new Set(names.filter((name, index) => names.indexOf(name) !== index));
  list.replaceChildren(
    ...groups.map((group) =>
      h(
        "li",
        { class: "group", "data-testid": "authenticator-group", "data-group": group.title },
        h("h3", {}, group.title),
        h("ul", {}, ...group.members.map((authenticator) => row(authenticator, alike.has(nameOf(authenticator)), options))),
      ),
    ),
  );
}

function nameOf(authenticator: Authenticator): string {
  if (authenticator.verificationMethod === "PASSKEY") return authenticator.displayName ?? "Passkey";
  return (
    authenticator.email ??
    authenticator.phoneNumber ??
    authenticator.displayName ??
    methodLabel(authenticator.verificationMethod)
  );
}

function row(authenticator: Authenticator, lookalike: boolean, options: ListOptions): HTMLElement {
  const passkey = authenticator.verificationMethod === "PASSKEY";
  const icon = h("img", {
    class: "icon",
    src: authenticator.iconUrl ?? NEUTRAL_ICONS[iconKind(authenticator.verificationMethod)],
    alt: "",
    width: "24",
    height: "24",
  });
  const facts = [
    passkey ? syncState(authenticator) : methodLabel(authenticator.verificationMethod),
    authenticator.createdAt && `Added ${lookalike ? moment(authenticator.createdAt) : day(authenticator.createdAt)}`,
    authenticator.lastVerifiedAt && `Last used ${day(authenticator.lastVerifiedAt)}`,
  ].filter((fact): fact is string => Boolean(fact));
  let action: HTMLElement;
  if (authenticator.removable) {
    action = button("Remove", "authenticator-remove", () => options.onRemove(authenticator));
    action.className = "secondary outline";
    action.setAttribute("aria-label", `Remove ${describe(authenticator)}`);
  } else {
    action = h("span", { class: "note", "data-testid": "authenticator-only" }, options.onlyOne);
  }
  return h(
    "li",
    { class: "row", "data-testid": "authenticator", "data-method": authenticator.verificationMethod, "data-id": authenticator.id },
    icon,
    h(
      "div",
      { class: "detail" },
      h("span", { class: "name", "data-testid": "authenticator-name" }, nameOf(authenticator)),
      h("span", { class: "facts", "data-testid": "authenticator-facts" }, facts.join(" · ")),
    ),
    action,
  );
}

/** WebAuthn's backup flags: a synced passkey is in the user's password manager on all their devices. */
function syncState(authenticator: Authenticator): string | undefined {
  if (authenticator.backedUp) return "Synced";
  if (authenticator.backupEligible === false) return "This device only";
  if (authenticator.backupEligible) return "Not synced yet";
  return undefined;
}

function day(iso: string): string {
  return iso.slice(0, 10);
}

/** "2026-12-02 21:40:12" (UTC, as the API gives it). */
function moment(iso: string): string {
  return iso.slice(0, 19).replace("T", " ");
}
