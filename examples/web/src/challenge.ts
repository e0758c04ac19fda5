// Running one Authsignal challenge with @authsignal/browser: the part the sign-in and the step-up
// share. Either our own UI (email code or passkey, with the token Authsignal's track returned) or
// Authsignal's pre-built UI in a popup (with its URL). Both end with a validation token that the
// server side (Cognito's Verify trigger, or the API) checks with Authsignal.
import { Authsignal } from "@authsignal/browser";
import { button, h, inputForm, showError, showInfo } from "./ui";

let client: Authsignal | undefined;

export function initAuthsignal(options: { tenantId: string; baseUrl: string }): void {
  client = new Authsignal({ tenantId: options.tenantId, baseUrl: options.baseUrl });
}

export function authsignal(): Authsignal {
  if (!client) throw new Error("initAuthsignal() has not been called");
  return client;
}

/** The challenge cannot succeed any more; the user has to start again. */
export class ChallengeEnded extends Error {}

export interface ChallengeOptions {
  /** Client token from Authsignal's track (sign-in challenge or step-up). */
  token: string;
  /** The methods to offer: those the user has (Create's `verificationMethods`, or the list). */
  methods: string[];
}

/** What `verify` answers, for the email, SMS and authenticator-app clients alike. */
type CodeResult = Awaited<ReturnType<Authsignal["email"]["verify"]>>;

/** One way to answer with a code: how to ask for it (if it is sent) and how to check it. */
interface CodeMethod {
  label: string;
  testId: string;
  /** Sends the code; absent for an authenticator app, whose code is on the user's device. */
  send?: () => Promise<{ errorCode?: string; error?: string; errorDescription?: string; data?: unknown }>;
  sent?: string;
  verify: (code: string) => Promise<CodeResult>;
}

function codeMethods(sdk: Authsignal, methods: string[]): CodeMethod[] {
  const all: (CodeMethod & { method: string })[] = [
    {
      method: "EMAIL_OTP",
      label: "Email me a code",
      testId: "challenge-email",
      send: () => sdk.email.challenge(),
      sent: "We emailed you a code.",
      verify: (code) => sdk.email.verify({ code }),
    },
    {
      method: "SMS",
      label: "Text me a code",
      testId: "challenge-sms",
      send: () => sdk.sms.challenge(),
      sent: "We texted you a code.",
      verify: (code) => sdk.sms.verify({ code }),
    },
    {
      method: "AUTHENTICATOR_APP",
      label: "Use my authenticator app",
      testId: "challenge-totp",
      verify: (code) => sdk.totp.verify({ code }),
    },
  ];
  return all.filter((entry) => methods.includes(entry.method));
}

/** Authsignal refused for the rate limit: the user waits, then starts again. */
const TOO_MANY = "too_many_requests";

/**
 * Renders a button per method the user has ("Email me a code", "Text me a code", "Use my
 * authenticator app", "Use a passkey") into `host` and resolves with the validation token.
 * A wrong code can be retried; it rejects with ChallengeEnded when Authsignal stops accepting
 * codes (MAX_ATTEMPTS_EXCEEDED, too many requests) or the token has expired.
 */
export function runChallenge(host: HTMLElement, options: ChallengeOptions): Promise<string> {
  const sdk = authsignal();
  sdk.setToken(options.token);
  return new Promise<string>((resolve, reject) => {
    let current: CodeMethod | undefined;
    const codeForm = inputForm(
      { label: "Code", testId: "challenge-code", autocomplete: "one-time-code", submitLabel: "Verify" },
      async (code) => {
        if (!current) return;
        const result = await current.verify(code);
        if (result.errorCode === "expired_token") return reject(new ChallengeEnded("This challenge has expired."));
        if (result.errorCode === TOO_MANY) return reject(new ChallengeEnded("Too many attempts; wait a few minutes."));
        if (!result.data) throw new Error(result.errorDescription ?? result.error ?? "The code could not be checked.");
        if (result.data.isVerified && result.data.token) return resolve(result.data.token);
        if (result.data.failureReason === "MAX_ATTEMPTS_EXCEEDED") {
          return reject(new ChallengeEnded("Too many wrong codes."));
        }
        showError("Wrong code, try again.");
      },
    );
    codeForm.hidden = true;

    const codeButtons = codeMethods(sdk, options.methods).map((method) =>
      button(method.label, method.testId, async () => {
        current = method;
        if (method.send) {
          const result = await method.send();
          if (result.errorCode === "expired_token") return reject(new ChallengeEnded("This challenge has expired."));
          if (result.errorCode === TOO_MANY) throw new Error("Too many codes sent; wait a few minutes.");
          if (!result.data) throw new Error(result.errorDescription ?? result.error ?? "The code could not be sent.");
          showInfo(method.sent ?? "");
        } else {
          showInfo("Enter the code your authenticator app shows.");
        }
        codeForm.hidden = false;
        codeForm.querySelector("input")?.focus();
      }),
    );

    const usePasskey = button("Use a passkey", "challenge-passkey", async () => {
      let result;
      try {
        result = await sdk.passkey.signIn({ token: options.token });
      } catch (error) {
        // The browser's own dialog was cancelled or timed out (WebAuthn NotAllowedError).
        throw new Error(`The passkey was not used (${error instanceof Error ? error.name : "cancelled"}).`);
      }
      if (result.errorCode === "expired_token") return reject(new ChallengeEnded("This challenge has expired."));
      if (result.data?.isVerified && result.data.token) return resolve(result.data.token);
      throw new Error(result.errorDescription ?? result.error ?? "The passkey was not accepted.");
    });

    host.replaceChildren(
      h("div", { class: "actions" }, ...codeButtons, options.methods.includes("PASSKEY") && usePasskey),
      codeForm,
    );
  });
}

/** Authsignal's pre-built UI in a popup over the page; resolves with its validation token. */
export async function runPrebuilt(url: string): Promise<string> {
  const { token } = await authsignal().launch(url, { mode: "popup" });
  if (!token) throw new ChallengeEnded("The challenge window was closed.");
  return token;
}
