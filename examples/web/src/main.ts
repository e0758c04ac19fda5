// Entry point: load the configuration, configure Amplify and Authsignal, then show the sign-in
// screen or, with a session, the account page (and the admin view for the admin group).
import { Amplify } from "aws-amplify";
import { fetchAuthSession, signOut } from "aws-amplify/auth";
import { renderAccount } from "./account";
import { renderAdmin } from "./admin";
import { initApi } from "./api/client";
import { renderSignIn } from "./auth";
import { initAuthsignal } from "./challenge";
import { loadConfig, type AppConfig } from "./config";
import { initStepUp } from "./step-up";
import { button, clearStatus, h, messageOf, showError } from "./ui";
import "@picocss/pico/css/pico.min.css";
import "./style.css";

const main = document.querySelector<HTMLElement>("#screen")!;

async function start(): Promise<void> {
  const config = await loadConfig();
  Amplify.configure({
    Auth: {
      Cognito: {
        userPoolId: config.userPoolId,
        userPoolClientId: config.userPoolClientId,
        ...(config.userPoolEndpoint ? { userPoolEndpoint: config.userPoolEndpoint } : {}),
      },
    },
  });
  initAuthsignal({ tenantId: config.authsignalTenantId, baseUrl: config.authsignalApiUrl });
  // The API ended the session (a help-desk reset signs the user out everywhere): back to
  // signing in, saying why.
  initApi(config.apiUrl, async (message) => {
    await signOut().catch(() => undefined);
    await show(config);
    showError(message);
  });
  initStepUp(config.challengeUi);
  await show(config);
}

async function show(config: AppConfig): Promise<void> {
  const header = document.querySelector<HTMLElement>("[data-testid=session]")!;
  const { tokens } = await fetchAuthSession();
  if (!tokens?.accessToken) {
    header.replaceChildren();
    renderSignIn(main, config, () => show(config));
    return;
  }
  const claims = tokens.accessToken.payload;
  const groups = Array.isArray(claims["cognito:groups"]) ? claims["cognito:groups"] : [];
  const accountRoot = h("div");
  const adminRoot = h("div");
  main.replaceChildren(accountRoot, adminRoot);
  renderAccount(accountRoot, { userId: String(claims.sub), username: String(claims.username ?? claims.sub) });
  if (groups.includes(config.adminGroup)) renderAdmin(adminRoot);
  const signOutButton = button("Sign out", "sign-out", async () => {
    await signOut();
    clearStatus();
    await show(config);
  });
  signOutButton.className = "secondary outline";
  header.replaceChildren(signOutButton);
}

start().catch((error: unknown) => showError(`The app could not start: ${messageOf(error)}`));
