// Signs up and in with AWS Amplify v6 (`aws-amplify/auth`) against the local Cognito user pool of
// `cognito-authsignal dev`, answering the Authsignal challenge with `@authsignal/browser`, then
// calls the API with the access token Amplify holds.
// Usage: LOCAL_BASE_URL=… USER_POOL_ID=… CLIENT_ID=… SIGN_IN_MODE=passwordless|password_then_mfa
//        node amplify-sign-in.mjs
// Each step prints one line; the first failed assertion exits non-zero.
import assert from "node:assert/strict";
import { Amplify } from "aws-amplify";
import { confirmSignIn, fetchAuthSession, signIn, signOut, signUp } from "aws-amplify/auth";

const baseUrl = required("LOCAL_BASE_URL");
const mode = required("SIGN_IN_MODE");
const authsignalApiUrl = `${baseUrl}/local/authsignal/v1`;
let passed = 0;

Amplify.configure({
  Auth: {
    Cognito: {
      userPoolId: required("USER_POOL_ID"),
      userPoolClientId: required("CLIENT_ID"),
      userPoolEndpoint: `${baseUrl}/local/cognito/`,
    },
  },
});

async function step(name, run) {
  await run();
  passed += 1;
  console.log(`ok - ${name}`);
}

function required(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
}

async function latestCode(email) {
  const response = await fetch(`${baseUrl}/local/authsignal/outbox?email=${encodeURIComponent(email)}`);
  const { messages } = await response.json();
  assert.ok(messages.length > 0, `a code was sent to ${email}`);
  return messages.at(-1).code;
}

// @authsignal/browser stores an anonymous-id cookie and reads the page location when it is
// constructed. Node 20 has fetch and btoa but no DOM, so give it those two things only.
async function authsignalBrowser() {
  const { Authsignal } = await import("@authsignal/browser");
  globalThis.window ??= globalThis;
  globalThis.document ??= { cookie: "", location: { hostname: "localhost", protocol: "http:" } };
  return new Authsignal({ tenantId: "local-tenant", baseUrl: authsignalApiUrl });
}

// What an app does with the challenge the Create trigger returned: run the email OTP with the
// token and hand the validation token back to Cognito.
async function answerEmailChallenge(parameters, email) {
  assert.equal(typeof parameters.token, "string", JSON.stringify(parameters));
  assert.ok(["true", "false"].includes(parameters.isEnrolled), JSON.stringify(parameters));
  const authsignal = await authsignalBrowser();
  authsignal.setToken(parameters.token);
  const challenge = await authsignal.email.challenge();
  assert.equal(challenge.error, undefined, JSON.stringify(challenge));
  const verified = await authsignal.email.verify({ code: await latestCode(email) });
  assert.equal(verified.data.isVerified, true, JSON.stringify(verified));
  return verified.data.token;
}

const suffix = `${process.pid}-${Date.now()}`;
const username = `amplify-${mode}-${suffix}`;
const email = `amplify-${suffix}@example.com`;
const password = "Corr3ct-Horse!";
const authFlowType = mode === "passwordless" ? "CUSTOM_WITHOUT_SRP" : "CUSTOM_WITH_SRP";
let userSub;

await step("signUp: confirmed at once by the Pre sign-up trigger", async () => {
  const result = await signUp({ username, password, options: { userAttributes: { email } } });
  assert.equal(result.isSignUpComplete, true, JSON.stringify(result));
  assert.match(result.userId, /^[0-9a-f-]{36}$/);
  userSub = result.userId;
});

if (mode === "password_then_mfa") {
  await step("signIn CUSTOM_WITH_SRP with a wrong password: NotAuthorizedException, no challenge", async () => {
    await assert.rejects(
      signIn({ username, password: "Wr0ng-Horse!", options: { authFlowType } }),
      (error) => error.name === "NotAuthorizedException",
    );
  });
}

await step(`signIn ${authFlowType}: a custom challenge with an Authsignal token`, async () => {
  const started = await signIn({
    username,
    ...(mode === "password_then_mfa" ? { password } : {}),
    options: { authFlowType },
  });
  assert.equal(started.isSignedIn, false);
  assert.equal(started.nextStep.signInStep, "CONFIRM_SIGN_IN_WITH_CUSTOM_CHALLENGE", JSON.stringify(started));
  const answer = await answerEmailChallenge(started.nextStep.additionalInfo, email);
  const confirmed = await confirmSignIn({ challengeResponse: answer });
  assert.equal(confirmed.isSignedIn, true, JSON.stringify(confirmed));
  assert.equal(confirmed.nextStep.signInStep, "DONE");
});

await step("the access token Amplify holds is accepted by the API", async () => {
  const { tokens } = await fetchAuthSession();
  assert.equal(tokens.accessToken.payload.sub, userSub);
  assert.equal(tokens.accessToken.payload.token_use, "access");
  assert.equal(tokens.idToken.payload.email, email);
  const me = await fetch(`${baseUrl}/v1/me`, {
    headers: { authorization: `Bearer ${tokens.accessToken.toString()}` },
  });
  assert.equal(me.status, 200, await me.clone().text());
  assert.equal((await me.json()).userId, userSub);
});

await step("fetchAuthSession({ forceRefresh }): new tokens from the refresh token", async () => {
  const before = (await fetchAuthSession()).tokens.accessToken.toString();
  const { tokens } = await fetchAuthSession({ forceRefresh: true });
  assert.notEqual(tokens.accessToken.toString(), before);
  assert.equal(tokens.accessToken.payload.sub, userSub);
});

await step("signOut", async () => {
  await signOut();
  const { tokens } = await fetchAuthSession();
  assert.equal(tokens, undefined);
});

await step("a wrong answer gets a new challenge; the third wrong answer ends the sign-in", async () => {
  const started = await signIn({
    username,
    ...(mode === "password_then_mfa" ? { password } : {}),
    options: { authFlowType },
  });
  assert.equal(started.nextStep.signInStep, "CONFIRM_SIGN_IN_WITH_CUSTOM_CHALLENGE");
  for (let attempt = 1; attempt <= 2; attempt += 1) {
    const again = await confirmSignIn({ challengeResponse: "not-a-token" });
    assert.equal(again.isSignedIn, false);
    assert.equal(again.nextStep.signInStep, "CONFIRM_SIGN_IN_WITH_CUSTOM_CHALLENGE");
  }
  await assert.rejects(
    confirmSignIn({ challengeResponse: "not-a-token" }),
    (error) => error.name === "NotAuthorizedException",
  );
});

console.log(`${passed} passed, 0 failed`);
