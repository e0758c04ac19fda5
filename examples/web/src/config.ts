// Where the app finds the user pool, Authsignal and the API.
//
// `cognito-authsignal dev` serves `/local/config.json` describing its local stack; a real
// deployment has no such file, so the app falls back to the VITE_* variables baked in at build
// time (see README.md).

export type ChallengeUi = "custom" | "prebuilt";
export type SignInMode = "passwordless" | "password_then_mfa";

export interface AppConfig {
  userPoolId: string;
  userPoolClientId: string;
  /** Only for a non-AWS endpoint, e.g. dev's local pool; empty for real Cognito. */
  userPoolEndpoint?: string;
  authsignalApiUrl: string;
  authsignalTenantId: string;
  adminGroup: string;
  challengeUi: ChallengeUi;
  signInMode: SignInMode;
  /** The Authsignal action of Cognito sign-ins (the triggers' AUTHSIGNAL_SIGN_IN_ACTION). */
  signInAction: string;
  /** Base URL of the cognito-authsignal API: this page's origin unless VITE_API_URL says otherwise. */
  apiUrl: string;
}

export async function loadConfig(): Promise<AppConfig> {
  const apiUrl = import.meta.env.VITE_API_URL || window.location.origin;
  const local = await fetchLocalConfig();
  if (local) return { ...local, apiUrl };
  const env = import.meta.env;
  const config: Partial<AppConfig> = {
    userPoolId: env.VITE_USER_POOL_ID,
    userPoolClientId: env.VITE_USER_POOL_CLIENT_ID,
    userPoolEndpoint: env.VITE_USER_POOL_ENDPOINT || undefined,
    authsignalApiUrl: env.VITE_AUTHSIGNAL_API_URL || "https://api.authsignal.com/v1",
    authsignalTenantId: env.VITE_AUTHSIGNAL_TENANT_ID,
    adminGroup: env.VITE_ADMIN_GROUP || "authenticator-admins",
    challengeUi: env.VITE_CHALLENGE_UI === "prebuilt" ? "prebuilt" : "custom",
    signInMode: env.VITE_SIGN_IN_MODE === "password_then_mfa" ? "password_then_mfa" : "passwordless",
    signInAction: env.VITE_SIGN_IN_ACTION || "cognitoAuth",
  };
  const missing = (["userPoolId", "userPoolClientId", "authsignalTenantId"] as const).filter((key) => !config[key]);
  if (missing.length > 0) {
    throw new Error(
      `No /local/config.json and no build-time configuration: set ${missing
        .map((key) => ENV_NAMES[key])
        .join(", ")} (see README.md).`,
    );
  }
  return { ...(config as Omit<AppConfig, "apiUrl">), apiUrl };
}

const ENV_NAMES = {
  userPoolId: "VITE_USER_POOL_ID",
  userPoolClientId: "VITE_USER_POOL_CLIENT_ID",
  authsignalTenantId: "VITE_AUTHSIGNAL_TENANT_ID",
};

async function fetchLocalConfig(): Promise<Omit<AppConfig, "apiUrl"> | undefined> {
  try {
    const response = await fetch("/local/config.json", { headers: { Accept: "application/json" } });
    if (!response.ok) return undefined;
    return (await response.json()) as Omit<AppConfig, "apiUrl">;
  } catch {
    return undefined;
  }
}
