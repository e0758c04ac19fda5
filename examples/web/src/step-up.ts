// Sensitive calls (adding or removing an authenticator) need a recent sign-in. When the API
// answers 403 `reauthentication_required`, the app asks the user to confirm it's them
// (POST /v1/me/step-up → an Authsignal challenge) and retries the call once with the
// resulting validation token in `Authsignal-Validation-Token`.
import { api, isProblem, ok } from "./api/client";
import type { components } from "./api/schema";
import { runChallenge, runPrebuilt } from "./challenge";
import type { ChallengeUi } from "./config";
import { button, h, showInfo, UserCancelled } from "./ui";

type Operation = components["schemas"]["StepUpOperation"];
type Result = { error?: unknown; response: Response };

let challengeUi: ChallengeUi = "custom";

export function initStepUp(ui: ChallengeUi): void {
  challengeUi = ui;
}

/** Runs `call`; if the API wants a fresh proof of identity, gets one and runs `call` again with it. */
export async function withStepUp<R extends Result>(
  operation: Operation,
  call: (validationToken?: string) => Promise<R>,
): Promise<R> {
  const first = await call();
  if (first.response.status !== 403 || !isProblem(first.error) || first.error.code !== "reauthentication_required") {
    return first;
  }
  return call(await stepUp(operation));
}

async function stepUp(operation: Operation): Promise<string> {
  const challenge = ok(await api().POST("/v1/me/step-up", { body: { operation } }));
  showInfo("Confirm it's you to continue.");
  if (challengeUi === "prebuilt") return runPrebuilt(challenge.url);

  // Offer what the user has.
  const { authenticators } = ok(await api().GET("/v1/me/authenticators"));
  const methods = [...new Set(authenticators.map((a) => a.verificationMethod))];

  const host = h("div");
  let cancel: () => void = () => undefined;
  const cancelButton = button("Cancel", "step-up-cancel", () => cancel());
  cancelButton.className = "secondary outline";
  const panel = h(
    "article",
    { class: "step-up", "data-testid": "step-up", role: "dialog", "aria-labelledby": "step-up-title" },
    h("h3", { id: "step-up-title" }, "Confirm it's you"),
    h("p", {}, "You signed in a while ago. Confirm it's you to continue."),
    host,
    cancelButton,
  );
  document.querySelector("[data-testid=step-up-host]")?.replaceChildren(panel);
  try {
    const answered = runChallenge(host, { token: challenge.token, methods });
    host.querySelector("button")?.focus();
    return await Promise.race([
      answered,
      new Promise<never>((_, reject) => {
        cancel = () => reject(new UserCancelled("Cancelled. Nothing was changed."));
      }),
    ]);
  } finally {
    panel.remove();
  }
}
