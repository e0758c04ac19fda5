// WebAuthn's Signal API: tells the browser (and the password manager behind it) which passkeys
// this site still accepts, so a passkey removed here stops being offered at sign-in.
// Feature-detected: browsers without it skip the calls. A signal is a hint; if the browser
// refuses one, the user loses nothing, so failures are only logged.
import type { AcceptedPasskeys } from "./api/client";

interface SignalApi {
  signalAllAcceptedCredentials?(options: { rpId: string; userId: string; allAcceptedCredentialIds: string[] }): Promise<void>;
  signalUnknownCredential?(options: { rpId: string; credentialId: string }): Promise<void>;
}

function signalApi(): SignalApi | undefined {
  return typeof PublicKeyCredential === "undefined" ? undefined : (PublicKeyCredential as unknown as SignalApi);
}

/**
 * After the signed-in user's list or a removal: these are all their passkeys. Only for the
 * user's own list (an admin's browser holds no passkeys of the user it looks at).
 */
export async function signalAcceptedPasskeys(passkeys: AcceptedPasskeys | null | undefined): Promise<void> {
  const signal = signalApi()?.signalAllAcceptedCredentials;
  if (!signal || !passkeys?.userHandle) return;
  await signal
    .call(PublicKeyCredential, {
      rpId: passkeys.rpId,
      userId: passkeys.userHandle,
      allAcceptedCredentialIds: passkeys.credentialIds,
    })
    .catch((error: unknown) => console.info("signalAllAcceptedCredentials was refused", error));
}

/**
 * After a sign-in that presented a passkey this site does not know (removed, or never
 * registered). Before sign-in there is no list to name the relying party, so it is the page's
 * host: the example app runs on its passkeys' relying-party id.
 */
export async function signalUnknownPasskey(credentialId: string): Promise<void> {
  const signal = signalApi()?.signalUnknownCredential;
  if (!signal) return;
  await signal
    .call(PublicKeyCredential, { rpId: window.location.hostname, credentialId })
    .catch((error: unknown) => console.info("signalUnknownCredential was refused", error));
}
