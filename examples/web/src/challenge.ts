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
  /** Offer "Use a passkey" (only useful when the user has one). */
  passkey: boolean;
  /** Offer "Email me a code". */
  email: boolean;
}

/**
 * Renders "Email me a code" / "Use a passkey" into `host` and resolves with the validation token.
 * A wrong code can be retried; it rejects with ChallengeEnded when Authsignal stops accepting
 * codes (MAX_ATTEMPTS_EXCEEDED) or the token has expired.
 */
export function runChallenge(host: HTMLElement, options: ChallengeOptions): Promise<string> {
  const sdk = authsignal();
  sdk.setToken(options.token);
  return new Promise<string>((resolve, reject) => {
    const codeForm = inputForm(
      { label: "Code", testId: "challenge-code", autocomplete: "one-time-code", submitLabel: "Verify" },
      async (code) => {
        const result = await sdk.email.verify({ code });
        if (result.errorCode === "expired_token") return reject(new ChallengeEnded("This challenge has expired."));
        if (!result.data) throw new Error(result.errorDescription ?? result.error ?? "The code could not be checked.");
        if (result.data.isVerified && result.data.token) return resolve(result.data.token);
        if (result.data.failureReason === "MAX_ATTEMPTS_EXCEEDED") {
          return reject(new ChallengeEnded("Too many wrong codes."));
        }
        showError("Wrong code, try again.");
      },
    );
    codeForm.hidden = true;

    const sendCode = button("Email me a code", "challenge-email", async () => {
      const result = await sdk.email.challenge();
      if (result.errorCode === "expired_token") return reject(new ChallengeEnded("This challenge has expired."));
      if (!result.data) throw new Error(result.errorDescription ?? result.error ?? "The code could not be sent.");
      codeForm.hidden = false;
      codeForm.querySelector("input")?.focus();
      showInfo("We emailed you a code.");
    });

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
      h("div", { class: "actions" }, options.email && sendCode, options.passkey && usePasskey),
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
