// Sign up and sign in with Amplify v6 against the Cognito user pool. The pool's custom-auth
// triggers make every sign-in end with an Authsignal challenge (CUSTOM_CHALLENGE): the app
// answers it with @authsignal/browser and hands the validation token to Cognito.
//
// Passwordless mode also signs in with a passkey and no username: from the username field's
// autofill (conditional mediation) or the "Sign in with a passkey" button. The passkey sign-in
// runs first, for the sign-in action; its answer names the user, whose Cognito sign-in then
// starts and is answered with that passkey's token (`"kind": "passkeySignIn"`).
import { confirmSignIn, signIn, signUp, type SignInOutput } from "aws-amplify/auth";
import { authsignal, ChallengeEnded, runChallenge, runPrebuilt } from "./challenge";
import type { AppConfig } from "./config";
import { signalUnknownPasskey } from "./passkey-signals";
import { button, clearStatus, h, messageOf, showError, showFailure, showInfo, UserCancelled } from "./ui";

/**
 * The signed-out screens, one task each: sign in, create an account, and the challenge that
 * either one leads to ("Confirm it's you"), with a way back to signing in.
 */
export function renderSignIn(root: HTMLElement, config: AppConfig, onSignedIn: () => Promise<void>): void {
  const withPassword = config.signInMode === "password_then_mfa";
  const challengeHost = h("div", { "data-testid": "challenge" });
  const challengeFor = h("strong");
  let cancelChallenge: () => void = () => undefined;
  const startAgain = button("Start again", "challenge-cancel", () => cancelChallenge());
  startAgain.className = "secondary outline";

  /**
   * Cognito's custom-auth sign-in; `passkeyToken` (from a passkey sign-in the app already ran)
   * answers the first round, and any refused answer falls back to the round's own challenge.
   */
  async function startSignIn(username: string, password: string, passkeyToken?: string): Promise<void> {
    challengeHost.replaceChildren();
    challengeFor.textContent = username;
    (signInForm.elements.namedItem("sign-in-username") as HTMLInputElement).value = username;
    const cancelled = new Promise<never>((_, reject) => {
      cancelChallenge = () => reject(new UserCancelled("Sign-in cancelled."));
    });
    cancelled.catch(() => undefined); // seen by the race below; not an unhandled rejection before it
    let challenged = false;
    try {
      let output = await signIn({
        username,
        password: withPassword ? password : undefined,
        options: { authFlowType: withPassword ? "CUSTOM_WITH_SRP" : "CUSTOM_WITHOUT_SRP" },
      });
      if (!output.isSignedIn) show(challengeScreen);
      if (passkeyToken && !output.isSignedIn) {
        showInfo("Checking…");
        const answer = JSON.stringify({ token: passkeyToken, kind: "passkeySignIn" });
        output = await confirmSignIn({ challengeResponse: answer });
        if (!output.isSignedIn) showError("The passkey was not accepted. Confirm it's you another way.");
      }
      while (!output.isSignedIn) {
        const answer = await Promise.race([answerChallenge(output, challengeHost), cancelled]);
        challenged = true;
        showInfo("Checking…");
        output = await confirmSignIn({ challengeResponse: answer });
        // A refused answer starts a new round with a new Authsignal token; Cognito ends the
        // sign-in after MAX_CHALLENGE_ATTEMPTS of them (NotAuthorizedException, below).
        if (!output.isSignedIn) showError("That was not accepted. Try again.");
      }
    } catch (error) {
      challengeHost.replaceChildren();
      show(signInScreen);
      if (error instanceof UserCancelled) return showInfo(error.message);
      if (error instanceof ChallengeEnded) return showError(`Sign-in failed: ${sentence(messageOf(error))} Start again.`);
      if (error instanceof Error && error.name === "NotAuthorizedException") {
        return showError(
          challenged || passkeyToken
            ? `Sign-in failed: ${sentence(messageOf(error))} Start again.`
            : unknownAccount(username),
        );
      }
      if (error instanceof Error && error.name === "UserNotFoundException") return showError(unknownAccount(username));
      throw error;
    }
    clearStatus();
    await onSignedIn();
  }

  /** Cognito says no before any challenge: no such user, or (with a password) the wrong password. */
  function unknownAccount(username: string): string {
    return withPassword
      ? "Incorrect username or password."
      : `No account matches “${username}”. Check the username, or create an account.`;
  }

  const signUpForm = form("sign-up", "Create an account", [
    field("Username", "sign-up-username", "text", "username"),
    field("Email", "sign-up-email", "email", "email"),
    withPassword && field("Password", "sign-up-password", "password", "new-password"),
  ]);
  signUpForm.addEventListener("submit", (event) => {
    event.preventDefault();
    void run(signUpForm, async () => {
      const values = valuesOf(signUpForm);
      const username = values["sign-up-username"];
      // Passwordless: Cognito still wants a password; a random one nobody ever types.
      const password = withPassword ? values["sign-up-password"] : randomPassword();
      let result;
      try {
        result = await signUp({
          username,
          password,
          options: { userAttributes: { email: values["sign-up-email"] } },
        });
      } catch (error) {
        if (error instanceof Error && error.name === "UsernameExistsException") {
          throw new Error(`The username “${username}” is taken. Choose another, or sign in.`);
        }
        throw error;
      }
      if (!result.isSignUpComplete) throw new Error(`Sign-up needs another step: ${result.nextStep.signUpStep}`);
      signUpForm.reset();
      showInfo("Account created. Signing you in…");
      await startSignIn(username, password);
    });
  });

  // `webauthn` lets the browser offer passkeys in the username field's autofill.
  const signInForm = form("sign-in", "Sign in", [
    field("Username", "sign-in-username", "text", withPassword ? "username" : "username webauthn"),
    withPassword && field("Password", "sign-in-password", "password", "current-password"),
  ]);
  signInForm.addEventListener("submit", (event) => {
    event.preventDefault();
    void run(signInForm, async () => {
      const values = valuesOf(signInForm);
      await startSignIn(values["sign-in-username"], values["sign-in-password"] ?? "");
    });
  });

  /**
   * A passkey sign-in with no username, then Cognito's for the user it names. `autofill`: the
   * request waits for the user to pick a passkey in the username field's autofill; a later
   * request (the button) aborts it, which ends it quietly.
   */
  async function signInWithPasskey(autofill: boolean): Promise<void> {
    let result;
    try {
      result = await authsignal().passkey.signIn({ action: config.signInAction, autofill });
    } catch (error) {
      if (autofill) return;
      throw new Error(`The passkey was not used (${error instanceof Error ? error.name : "cancelled"}).`);
    }
    const signedIn = result.data;
    if (!signedIn && !result.error) return; // an autofill request was already waiting
    if (signedIn?.isVerified && signedIn.token && signedIn.username) {
      await startSignIn(signedIn.username, "", signedIn.token);
      return;
    }
    // Not verified: most often a passkey removed here that the password manager still offers.
    const credentialId = signedIn?.authenticationResponse?.id;
    if (credentialId) await signalUnknownPasskey(credentialId);
    void startAutofill();
    throw new Error(
      credentialId
        ? "That passkey is not registered here any more. Sign in with your username."
        : (result.errorDescription ?? result.error ?? "The passkey was not accepted."),
    );
  }

  async function startAutofill(): Promise<void> {
    if (withPassword || !(await PublicKeyCredential.isConditionalMediationAvailable?.())) return;
    await signInWithPasskey(true).catch((error: unknown) => showError(messageOf(error)));
  }

  const passkeyButton = button("Sign in with a passkey", "sign-in-passkey", () => signInWithPasskey(false));
  passkeyButton.className = "secondary";

  const signInScreen: HTMLElement = h(
    "article",
    { "data-testid": "sign-in-screen" },
    signInForm,
    !withPassword && h("div", { class: "actions" }, passkeyButton),
    h("p", { class: "switch" }, "New here?", switchTo("Create an account", "show-sign-up", () => signUpScreen)),
  );
  const signUpScreen: HTMLElement = h(
    "article",
    { "data-testid": "sign-up-screen", hidden: true },
    signUpForm,
    h("p", { class: "switch" }, "Already have an account?", switchTo("Sign in", "show-sign-in", () => signInScreen)),
  );
  const challengeScreen = h(
    "article",
    { "data-testid": "challenge-screen", hidden: true },
    h("h2", {}, "Confirm it's you"),
    h("p", {}, "Signing in as ", challengeFor, "."),
    challengeHost,
    startAgain,
  );
  const screens = [signInScreen, signUpScreen, challengeScreen];

  /** Shows one screen and hides the others; focus goes to its first field or button. */
  function show(screen: HTMLElement): void {
    for (const other of screens) other.hidden = other !== screen;
    screen.querySelector<HTMLElement>("input, button")?.focus();
  }

  function switchTo(label: string, testId: string, screen: () => HTMLElement): HTMLButtonElement {
    const element = button(label, testId, () => {
      clearStatus();
      show(screen());
    });
    element.className = "secondary outline";
    return element;
  }

  root.replaceChildren(...screens);
  void startAutofill();
}

/** Runs one round of the Authsignal challenge the Create trigger set; resolves with the answer. */
async function answerChallenge(output: SignInOutput, host: HTMLElement): Promise<string> {
  const step = output.nextStep;
  if (step.signInStep !== "CONFIRM_SIGN_IN_WITH_CUSTOM_CHALLENGE") {
    throw new Error(`This app does not handle the sign-in step ${step.signInStep}.`);
  }
  // The trigger's public challenge parameters: {token | url, isEnrolled, verificationMethods}
  // (the methods the user has, comma-separated).
  const { token, url, verificationMethods } = step.additionalInfo ?? {};
  const methods = (verificationMethods ?? "").split(",");
  if (url) {
    host.replaceChildren(h("p", {}, "Complete the check in the window that opened."));
    return runPrebuilt(url);
  }
  if (!token) throw new ChallengeEnded("Sign-in is not allowed for this account right now.");
  return runChallenge(host, { token, methods });
}

function form(name: string, title: string, fields: (HTMLElement | false)[]): HTMLFormElement {
  return h(
    "form",
    { "data-testid": `${name}-form` },
    h("h2", {}, title),
    ...fields.filter((f): f is HTMLElement => f !== false),
    h("button", { type: "submit", "data-testid": `${name}-submit` }, title),
  );
}

function field(label: string, testId: string, type: string, autocomplete: string): HTMLElement {
  return h(
    "label",
    {},
    label,
    h("input", { name: testId, type, autocomplete, required: true, "data-testid": testId }),
  );
}

/** The form's values; names and emails trimmed, passwords exactly as typed. */
function valuesOf(form: HTMLFormElement): Record<string, string> {
  const values: Record<string, string> = {};
  new FormData(form).forEach((value, key) => {
    values[key] = key.endsWith("-password") ? String(value) : String(value).trim();
  });
  return values;
}

async function run(form: HTMLFormElement, action: () => Promise<void>): Promise<void> {
  const submit = form.querySelector<HTMLButtonElement>("button[type=submit]");
  if (submit) submit.disabled = true;
  try {
    await action();
  } catch (error) {
    showFailure(error);
  } finally {
    if (submit) submit.disabled = false;
  }
}

function sentence(text: string): string {
  return /[.!?]$/.test(text) ? text : `${text}.`;
}

/** Meets Cognito's default password policy: length, upper, lower, digit, symbol. */
function randomPassword(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(24));
  return `${btoa(String.fromCharCode(...bytes))}Aa1!`;
}
