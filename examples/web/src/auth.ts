// Sign up and sign in with Amplify v6 against the Cognito user pool. The pool's custom-auth
// triggers make every sign-in end with an Authsignal challenge (CUSTOM_CHALLENGE): the app
// answers it with @authsignal/browser and hands the validation token to Cognito.
import { confirmSignIn, signIn, signUp, type SignInOutput } from "aws-amplify/auth";
import { ChallengeEnded, runChallenge, runPrebuilt } from "./challenge";
import type { AppConfig } from "./config";
import { clearStatus, h, messageOf, showError, showInfo } from "./ui";

export function renderSignIn(root: HTMLElement, config: AppConfig, onSignedIn: () => Promise<void>): void {
  const withPassword = config.signInMode === "password_then_mfa";
  const challengeHost = h("div", { "data-testid": "challenge" });

  async function startSignIn(username: string, password: string): Promise<void> {
    challengeHost.replaceChildren();
    try {
      let output = await signIn({
        username,
        password: withPassword ? password : undefined,
        options: { authFlowType: withPassword ? "CUSTOM_WITH_SRP" : "CUSTOM_WITHOUT_SRP" },
      });
      while (!output.isSignedIn) {
        const answer = await answerChallenge(output, challengeHost);
        showInfo("Checking…");
        output = await confirmSignIn({ challengeResponse: answer });
        // A refused answer starts a new round with a new Authsignal token; Cognito ends the
        // sign-in after MAX_CHALLENGE_ATTEMPTS of them (NotAuthorizedException, below).
        if (!output.isSignedIn) showError("That was not accepted. Try again.");
      }
    } catch (error) {
      challengeHost.replaceChildren();
      if (error instanceof ChallengeEnded || (error instanceof Error && error.name === "NotAuthorizedException")) {
        showError(`Sign-in failed: ${sentence(messageOf(error))} Start again.`);
        return;
      }
      throw error;
    }
    clearStatus();
    await onSignedIn();
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
      const result = await signUp({
        username,
        password,
        options: { userAttributes: { email: values["sign-up-email"] } },
      });
      if (!result.isSignUpComplete) throw new Error(`Sign-up needs another step: ${result.nextStep.signUpStep}`);
      showInfo("Account created. Signing you in…");
      await startSignIn(username, password);
    });
  });

  const signInForm = form("sign-in", "Sign in", [
    field("Username", "sign-in-username", "text", "username"),
    withPassword && field("Password", "sign-in-password", "password", "current-password"),
  ]);
  signInForm.addEventListener("submit", (event) => {
    event.preventDefault();
    void run(signInForm, async () => {
      const values = valuesOf(signInForm);
      await startSignIn(values["sign-in-username"], values["sign-in-password"] ?? "");
    });
  });

  root.replaceChildren(
    h("section", { class: "panel", "data-testid": "sign-in-screen" }, signInForm, challengeHost),
    h("section", { class: "panel" }, signUpForm),
  );
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
  host.replaceChildren();
  const panel = h("div");
  host.append(h("h3", {}, "Confirm it's you"), panel);
  return runChallenge(panel, { token, email: methods.includes("EMAIL_OTP"), passkey: methods.includes("PASSKEY") });
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
    showError(messageOf(error));
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
