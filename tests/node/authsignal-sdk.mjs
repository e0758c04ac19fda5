// Runs Authsignal's official SDKs against the local emulator and asserts on what they parse.
// Usage: AUTHSIGNAL_API_URL=… AUTHSIGNAL_SECRET_KEY=… LOCAL_BASE_URL=… node authsignal-sdk.mjs
// Each step prints one line; the first failed assertion exits non-zero.
import assert from "node:assert/strict";
import { Authsignal, AuthsignalError } from "@authsignal/node";

const apiUrl = required("AUTHSIGNAL_API_URL");
const apiSecretKey = required("AUTHSIGNAL_SECRET_KEY");
const localBaseUrl = required("LOCAL_BASE_URL");

const server = new Authsignal({ apiSecretKey, apiUrl });
const userId = `node-sdk-${process.pid}-${Date.now()}`;
let passed = 0;

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
  const response = await fetch(`${localBaseUrl}/local/authsignal/outbox?email=${encodeURIComponent(email)}`);
  const { messages } = await response.json();
  assert.ok(messages.length > 0, `a code was sent to ${email}`);
  return messages.at(-1).code;
}

// @authsignal/browser stores an anonymous-id cookie and reads the page location when it is
// constructed. Node 20 has fetch and btoa but no DOM, so give it those two things only.
async function browserClient(onTokenExpired) {
  const { Authsignal: Browser } = await import("@authsignal/browser");
  globalThis.window ??= globalThis;
  globalThis.document ??= { cookie: "", location: { hostname: "localhost", protocol: "http:" } };
  return new Browser({ tenantId: "local-tenant", baseUrl: apiUrl, onTokenExpired });
}

await step("getUser: an unknown user is not enrolled", async () => {
  const user = await server.getUser({ userId });
  assert.equal(user.isEnrolled, false);
});

await step("track without scope: ALLOW with a token and a pre-built UI url", async () => {
  const result = await server.track({ userId, action: "signIn" });
  assert.equal(result.state, "ALLOW");
  assert.equal(result.isEnrolled, false);
  assert.equal(typeof result.token, "string");
  assert.equal(typeof result.idempotencyKey, "string");
  const page = await fetch(result.url);
  assert.equal(page.status, 200);
});

let emailAuthenticatorId;
await step("enrollVerifiedAuthenticator: EMAIL_OTP", async () => {
  const result = await server.enrollVerifiedAuthenticator({
    userId,
    attributes: { verificationMethod: "EMAIL_OTP", email: "node-sdk@example.com" },
  });
  assert.equal(result.authenticator.verificationMethod, "EMAIL_OTP");
  assert.equal(result.authenticator.email, "node-sdk@example.com");
  emailAuthenticatorId = result.authenticator.userAuthenticatorId;
  assert.equal(typeof emailAuthenticatorId, "string");
});

await step("getAuthenticators: the enrolled authenticator", async () => {
  const authenticators = await server.getAuthenticators({ userId });
  assert.equal(authenticators.length, 1);
  assert.equal(authenticators[0].userAuthenticatorId, emailAuthenticatorId);
  assert.equal(authenticators[0].verificationMethod, "EMAIL_OTP");
  assert.equal(typeof authenticators[0].createdAt, "string");
});

await step("getUser: enrolled with EMAIL_OTP", async () => {
  const user = await server.getUser({ userId });
  assert.equal(user.isEnrolled, true);
  assert.deepEqual(user.enrolledVerificationMethods, ["EMAIL_OTP"]);
  assert.equal(user.email, "node-sdk@example.com");
});

let settingsToken;
await step("track with redirectToSettings and full scope: CHALLENGE_REQUIRED, settings url", async () => {
  const result = await server.track({
    userId,
    action: "manageAuthenticators",
    attributes: {
      redirectToSettings: true,
      redirectUrl: "http://localhost:5173/settings",
      scope: "add:authenticators update:authenticators remove:authenticators",
    },
  });
  assert.equal(result.state, "CHALLENGE_REQUIRED");
  assert.equal(result.isEnrolled, true);
  assert.deepEqual(result.enrolledVerificationMethods, ["EMAIL_OTP"]);
  assert.match(result.url, /screen=settings/);
  settingsToken = result.token;
});

let validationToken;
await step("@authsignal/browser: email.challenge() + email.verify() with the track token", async () => {
  const client = await browserClient();
  client.setToken(settingsToken);
  const challenge = await client.email.challenge();
  assert.equal(challenge.error, undefined, JSON.stringify(challenge));
  assert.equal(typeof challenge.data.challengeId, "string");
  const wrong = await client.email.verify({ code: "not-the-code" });
  assert.equal(wrong.data.isVerified, false);
  assert.equal(wrong.data.failureReason, "CODE_INVALID_OR_EXPIRED");
  const verified = await client.email.verify({ code: await latestCode("node-sdk@example.com") });
  assert.equal(verified.data.isVerified, true);
  assert.equal(typeof verified.data.token, "string");
  validationToken = verified.data.token;
});

await step("validateChallenge: CHALLENGE_SUCCEEDED for this user and action", async () => {
  const result = await server.validateChallenge({ token: validationToken, userId, action: "manageAuthenticators" });
  assert.equal(result.isValid, true);
  assert.equal(result.state, "CHALLENGE_SUCCEEDED");
  assert.equal(result.action, "manageAuthenticators");
  assert.equal(result.userId, userId);
  assert.equal(result.verificationMethod, "EMAIL_OTP");
});

await step("validateChallenge: refused for another user", async () => {
  const result = await server.validateChallenge({ token: validationToken, userId: "someone-else" });
  assert.equal(result.isValid, false);
});

await step("@authsignal/browser: email.enroll() a second email with add:authenticators", async () => {
  const { token } = await server.track({ userId, action: "addAuthenticator", attributes: { scope: "add:authenticators" } });
  const client = await browserClient();
  client.setToken(token);
  const enrolled = await client.email.enroll({ email: "second@example.com" });
  assert.equal(enrolled.error, undefined, JSON.stringify(enrolled));
  assert.equal(enrolled.data.userId, userId);
  const verified = await client.email.verify({ code: await latestCode("second@example.com") });
  assert.equal(verified.data.isVerified, true);
  assert.equal(verified.data.userAuthenticator.email, "s***@example.com");
  const validated = await server.validateChallenge({ token: verified.data.token, userId, action: "addAuthenticator" });
  assert.equal(validated.state, "CHALLENGE_SUCCEEDED");
  assert.equal((await server.getAuthenticators({ userId })).length, 2);
});

await step("@authsignal/browser: without the scope, enrolling another email is refused", async () => {
  const { token } = await server.track({ userId, action: "addAuthenticator" });
  const client = await browserClient();
  client.setToken(token);
  const refused = await client.email.enroll({ email: "third@example.com" });
  assert.equal(refused.errorCode, "forbidden");
});

await step("deleteAuthenticator: removes it", async () => {
  await server.deleteAuthenticator({ userId, userAuthenticatorId: emailAuthenticatorId });
  const remaining = await server.getAuthenticators({ userId });
  assert.deepEqual(remaining.map((a) => a.email), ["second@example.com"]);
});

await step("deleteAuthenticator: an id that is not the user's is a 404 AuthsignalError", async () => {
  await assert.rejects(
    server.deleteAuthenticator({ userId, userAuthenticatorId: emailAuthenticatorId }),
    (error) => error instanceof AuthsignalError && error.statusCode === 404 && error.errorCode === "not_found",
  );
});

await step("a wrong secret surfaces as AuthsignalError unauthorized", async () => {
  const wrong = new Authsignal({ apiSecretKey: "sk_wrong", apiUrl, retries: 0 });
  await assert.rejects(wrong.getUser({ userId }), (error) => {
    assert.ok(error instanceof AuthsignalError);
    assert.equal(error.statusCode, 401);
    assert.equal(error.errorCode, "unauthorized");
    assert.match(error.errorDescription, /API key and region base URL/);
    return true;
  });
});

await step("@authsignal/browser: an expired token reports expired_token and calls onTokenExpired", async () => {
  const { token } = await server.track({ userId, action: "signIn" });
  let expiredCalls = 0;
  const client = await browserClient(() => (expiredCalls += 1));
  client.setToken(token);
  await fetch(`${localBaseUrl}/local/authsignal/clock`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ advanceSeconds: 601 }),
  });
  const result = await client.email.challenge();
  assert.equal(result.errorCode, "expired_token");
  assert.equal(expiredCalls, 1);
});

console.log(`${passed} passed, 0 failed`);
