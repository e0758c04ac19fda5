// Drives the example app in headless Chromium against `cognito-authsignal dev` (which serves the
// built app at `/`, its configuration at `/local/config.json`, the local Cognito user pool and
// the Authsignal emulator, all on one port).
// Usage: BASE_URL=http://localhost:3100 [SCREENSHOT_DIR=…] [CHROMIUM=/usr/bin/chromium]
//        [AUTHSIGNAL_SECRET=<the emulator secret dev printed>] node tests/browser.mjs
// With AUTHSIGNAL_SECRET, the pre-built run also checks redirect mode (it tracks through the
// emulator's Server API).
// BASE_URL must use the host name `localhost`: it is the passkeys' relying party id.
// dev should run with RECENT_AUTH_MAX_AGE_SECONDS=1, so that removing an authenticator a few
// seconds after signing in needs the "Confirm it's you" step-up.
// Each step prints one line; the first failure prints what the page showed and exits non-zero.
import assert from "node:assert/strict";
import { createHmac, generateKeyPairSync, randomBytes } from "node:crypto";
import { mkdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { chromium } from "playwright-core";

const baseUrl = (process.env.BASE_URL ?? "").replace(/\/+$/, "");
if (!baseUrl) throw new Error("BASE_URL is required, e.g. http://localhost:3100");
assert.equal(new URL(baseUrl).hostname, "localhost", "BASE_URL must use the host name localhost (the WebAuthn RP id)");
const screenshotDir = process.env.SCREENSHOT_DIR ?? join(import.meta.dirname, "..", "screenshots");
mkdirSync(screenshotDir, { recursive: true });

const started = Date.now();
const suffix = `${process.pid}-${Date.now().toString(36)}`;
let passed = 0;
let browser;
let currentPage;

// Console errors and uncaught exceptions on every page. Some error responses are part of a flow
// (the 403 that asks for a step-up, ...); Chromium logs each one as "Failed to load resource".
// A step may allow exactly those (status and URL); anything else fails the run at the end.
const unexpectedErrors = [];
const expectedErrors = [];
let allowed = [];
// The app declares its icon; the emulator's own pages (the settings tab) do not, so Chromium
// asks their server for /favicon.ico, sometimes after the step that opened them has ended.
const alwaysAllowed = [
  {
    reason: "a page without an icon (not the app)",
    matches: ({ text, url }) => text.includes("status of 404") && url.endsWith("/favicon.ico"),
  },
];

function watch(page, name) {
  page.on("console", (message) => {
    if (message.type() !== "error") return;
    record({ page: name, text: message.text(), url: message.location().url ?? "" });
  });
  page.on("pageerror", (error) => record({ page: name, text: `uncaught ${error.name}: ${error.message}`, url: "" }));
}

function record(entry) {
  const reason = [...allowed, ...alwaysAllowed].find((allowance) => allowance.matches(entry))?.reason;
  if (reason) expectedErrors.push({ ...entry, reason });
  else unexpectedErrors.push(entry);
}

/** Allows, for this step only, the console error Chromium logs for one expected error response. */
function allowResponse(status, urlPattern, reason) {
  allowed.push({
    reason,
    matches: ({ text, url }) => text.includes(`status of ${status}`) && urlPattern.test(url),
  });
}

async function step(name, run) {
  try {
    await run();
  } catch (error) {
    console.log(`not ok - ${name}`);
    console.log(`  ${String(error?.stack ?? error).split("\n").join("\n  ")}`);
    await reportPage();
    console.log(`${passed} passed, 1 failed`);
    await browser?.close();
    process.exit(1);
  } finally {
    allowed = [];
  }
  passed += 1;
  console.log(`ok - ${name}`);
}

async function reportPage() {
  if (!currentPage || currentPage.isClosed()) return;
  const status = await currentPage.getByTestId("status").textContent({ timeout: 1000 }).catch(() => "?");
  console.log(`  status area: ${JSON.stringify(status)}`);
  if (unexpectedErrors.length) console.log(`  console errors so far: ${JSON.stringify(unexpectedErrors, null, 1)}`);
  const file = join(screenshotDir, "failure.png");
  await currentPage.screenshot({ path: file, fullPage: true }).catch(() => undefined);
  console.log(`  screenshot: ${file}`);
}

/** Retries an assertion until it holds or `timeout` ms have passed. */
async function eventually(check, timeout = 10_000) {
  const deadline = Date.now() + timeout;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await sleep(100);
    }
  }
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function getJson(path, init) {
  const response = await fetch(`${baseUrl}${path}`, init).catch((error) => {
    throw new Error(`${baseUrl}${path}: ${error.cause?.message ?? error.message} (is dev running there?)`);
  });
  const text = await response.text();
  assert.ok(response.ok, `${init?.method ?? "GET"} ${path}: ${response.status} ${text}`);
  return JSON.parse(text);
}

/** The latest code the emulator "sent" to `address`, an email or a phone number (undefined before the first one). */
async function latestMessage(address) {
  const parameter = address.includes("@") ? "email" : "phoneNumber";
  const { messages } = await getJson(`/local/authsignal/outbox?${parameter}=${encodeURIComponent(address)}`);
  return messages.at(-1);
}

/** Waits for a code sent after `before` (the latest message when the action started). */
async function newCode(address, before) {
  return eventually(async () => {
    const message = await latestMessage(address);
    assert.ok(message, `a code was sent to ${address}`);
    assert.ok(!before || message.code !== before.code || message.sentAt !== before.sentAt, `a new code for ${address}`);
    return message.code;
  });
}

/** The emulator's clock (Unix seconds), after moving it `advanceSeconds` on. */
async function emulatorNow(advanceSeconds = 0) {
  const { now } = await getJson("/local/authsignal/clock", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ advanceSeconds }),
  });
  return Math.floor(Date.parse(now) / 1000);
}

/** What an authenticator app shows at `unixSeconds` for a base32 secret (RFC 6238: SHA-1, 6 digits, 30 s). */
function totpCode(secretBase32, unixSeconds) {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  const bits = [...secretBase32.replace(/=+$/, "")].map((c) => alphabet.indexOf(c).toString(2).padStart(5, "0")).join("");
  const key = Buffer.from(bits.match(/.{8}/g).map((byte) => parseInt(byte, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(unixSeconds / 30)));
  const mac = createHmac("sha1", key).update(counter).digest();
  const offset = mac[mac.length - 1] & 0xf;
  return String((mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000).padStart(6, "0");
}

async function methods(list) {
  return list.getByTestId("authenticator").evaluateAll((rows) => rows.map((row) => row.dataset.method).sort());
}

async function expectMethods(list, expected) {
  await eventually(async () => assert.deepEqual(await methods(list), [...expected].sort()));
}

/** The list's one authenticator says it is the only one, and offers no Remove. */
async function expectOnlyOne(list, note) {
  await eventually(async () => {
    assert.equal(await list.getByTestId("authenticator").count(), 1);
    assert.equal(await list.getByTestId("authenticator-remove").count(), 0, "Remove on a non-removable authenticator");
    assert.equal(await list.getByTestId("authenticator-only").textContent(), note);
  });
}

/** No two rows read the same, and no row shows an Authsignal method code such as EMAIL_OTP. */
async function expectToldApart(list) {
  const rows = await list.getByTestId("authenticator").evaluateAll((nodes) => nodes.map((node) => node.innerText.trim()));
  assert.equal(new Set(rows).size, rows.length, `rows that read the same: ${JSON.stringify(rows)}`);
  for (const text of rows) assert.doesNotMatch(text, /\b[A-Z]+_[A-Z_]+\b|\bPASSKEY\b/, text);
}

async function expectStatus(page, pattern) {
  await eventually(async () => {
    const text = await page.getByTestId("status").textContent();
    assert.match(text ?? "", pattern);
    assert.doesNotMatch(text ?? "", /\[object Object\]|    at /);
  });
}

// axe-core, the accessibility engine, from the app's devDependencies; run in the page by CDP
// (page.evaluate), so no script tag and nothing the page's own policy could block.
const axeSource = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

/** axe's serious and critical findings on the page now (or within `selector`), one line each. */
async function axeFindings(page, selector, rules) {
  if (!(await page.evaluate(() => typeof window.axe === "object"))) await page.evaluate(axeSource);
  const violations = await page.evaluate(
    async ({ selector, rules }) => {
      const options = rules ? { runOnly: { type: "rule", values: rules } } : { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"] } };
      const results = await window.axe.run(selector ? document.querySelector(selector) : document, { ...options, resultTypes: ["violations"] });
      return results.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.map((n) => `${n.target.join(" ")}: ${n.failureSummary}`) }));
    },
    { selector, rules },
  );
  return violations.filter((v) => v.impact === "serious" || v.impact === "critical");
}

/**
 * One screen's checks, at the desktop width and at a phone's (390 px): no serious or critical
 * axe finding, each control keeps a readable label and a visible focus ring when hovered and
 * when focused, and nothing makes the page scroll sideways.
 */
async function checkScreen(page, screen) {
  assert.deepEqual(await axeFindings(page), [], `${screen}: axe`);
  // Disabled controls (a button busy with its action) take no hover or focus, and WCAG exempts them.
  const controls = page.locator("button:visible:enabled, input:visible:enabled, select:visible:enabled, a:visible");
  for (let index = 0; index < (await controls.count()); index += 1) {
    const control = controls.nth(index);
    const label = `${screen}: ${await control.evaluate((e) => e.outerHTML.slice(0, 80))}`;
    const mark = `axe-target-${index}`;
    await control.evaluate((element, mark) => {
      element.setAttribute("data-axe-target", mark);
      element.blur(); // a screen focuses its first field when it opens
    }, mark);
    await control.hover();
    await settled(page);
    assert.deepEqual(await axeFindings(page, `[data-axe-target="${mark}"]`, ["color-contrast"]), [], `${label} hovered`);
    const unfocused = await control.evaluate(ring);
    await control.focus();
    await settled(page);
    assert.deepEqual(await axeFindings(page, `[data-axe-target="${mark}"]`, ["color-contrast"]), [], `${label} focused`);
    assert.notEqual(await control.evaluate(ring), unfocused, `${label}: focus shows no ring`);
    await control.evaluate((element) => {
      element.removeAttribute("data-axe-target");
      element.blur();
    });
  }
  await page.mouse.move(0, 0);
  const viewport = page.viewportSize();
  await page.setViewportSize({ width: 390, height: 844 });
  try {
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(overflow <= 0, `${screen}: at 390 px the page scrolls sideways by ${overflow} px`);
    assert.deepEqual(await axeFindings(page), [], `${screen} at 390 px: axe`);
  } finally {
    await page.setViewportSize(viewport);
  }
}

/** Waits for the page's CSS transitions (a hover's colour, a focus ring fading in) to end. */
async function settled(page) {
  await page.evaluate(() => Promise.all(document.getAnimations().map((animation) => animation.finished.catch(() => undefined))));
}

/** What shows that an element has focus: the outline and box shadow of it and of its group (a field joined to its button rings as one). */
function ring(element) {
  return [element, element.closest("[role=group]")]
    .filter(Boolean)
    .map((node) => {
      const style = getComputedStyle(node);
      return `${style.outlineStyle} ${style.outlineWidth} ${style.outlineColor} | ${style.boxShadow}`;
    })
    .join(" / ");
}

/** Signs up from the sign-in screen's "Create an account"; the app then starts the sign-in at once (the Pre sign-up trigger confirms). */
async function signUp(page, user) {
  if (!(await page.getByTestId("sign-up-screen").isVisible())) await page.getByTestId("show-sign-up").click();
  assert.equal(await page.getByTestId("sign-in-screen").isVisible(), false, "sign-in and sign-up on one screen");
  await page.getByTestId("sign-up-username").fill(user.username);
  await page.getByTestId("sign-up-email").fill(user.email);
  if (withPassword) await page.getByTestId("sign-up-password").fill(user.password);
  await page.getByTestId("sign-up-submit").click();
}

async function signIn(page, user) {
  await page.getByTestId("sign-in-username").fill(user.username);
  if (withPassword) await page.getByTestId("sign-in-password").fill(user.password);
  await page.getByTestId("sign-in-submit").click();
}

/** Answers an email-code challenge in `scope` (the sign-in challenge or the step-up panel). */
async function answerWithEmail(scope, email) {
  // No code field before a code was asked for.
  assert.equal(await scope.getByTestId("challenge-code").isVisible(), false, "the code field shows before a code was sent");
  const before = await latestMessage(email);
  await scope.getByTestId("challenge-email").click();
  await scope.getByTestId("challenge-code").fill(await newCode(email, before));
  await scope.getByTestId("challenge-code-submit").click();
}

async function signedInAs(page, user) {
  await page.getByTestId("user-id").waitFor();
  const userId = await page.getByTestId("user-id").textContent();
  assert.match(userId, /^[0-9a-f-]{36}$/);
  assert.equal(await page.getByTestId("username").textContent(), user.username);
  return userId;
}

function newUser(name) {
  return { username: `${name}-${suffix}`, email: `${name}-${suffix}@example.com`, password: "Corr3ct-Horse!" };
}

let config;
await step("GET /local/config.json describes the local stack", async () => {
  config = await getJson("/local/config.json");
  for (const key of ["userPoolId", "userPoolClientId", "userPoolEndpoint", "authsignalApiUrl", "authsignalTenantId", "adminGroup", "signInAction"]) {
    assert.equal(typeof config[key], "string", `config.${key}: ${JSON.stringify(config)}`);
  }
  assert.ok(["custom", "prebuilt"].includes(config.challengeUi), JSON.stringify(config));
  assert.ok(["passwordless", "password_then_mfa"].includes(config.signInMode), JSON.stringify(config));
  console.log(`# challengeUi ${config.challengeUi}, signInMode ${config.signInMode}`);
});
const withPassword = config.signInMode === "password_then_mfa";

browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  headless: true,
  args: [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
  ],
});

/**
 * Records the app's WebAuthn Signal API calls in `window.signals` (then lets them through), so
 * a step can check which credential ids the page told the browser about.
 */
function recordSignals() {
  window.signals = [];
  if (typeof PublicKeyCredential === "undefined") return; // not a secure context
  for (const name of ["signalAllAcceptedCredentials", "signalUnknownCredential"]) {
    const original = PublicKeyCredential[name];
    if (typeof original !== "function") continue;
    PublicKeyCredential[name] = function (options) {
      window.signals.push({ name, options: JSON.parse(JSON.stringify(options)) });
      return original.call(this, options);
    };
  }
}

async function signals(page, name) {
  const recorded = await page.evaluate(() => window.signals ?? []);
  return recorded.filter((signal) => signal.name === name).map((signal) => signal.options);
}

/** CDP gives credential ids and user handles in standard base64; WebAuthn's JSON uses base64url. */
const base64url = (base64) => base64.replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");

/** Chromium's virtual authenticator (CTAP2, resident keys, user verification), on `page`. */
async function virtualAuthenticator(context, page, options = {}) {
  const cdp = await context.newCDPSession(page);
  await cdp.send("WebAuthn.enable");
  const { authenticatorId } = await cdp.send("WebAuthn.addVirtualAuthenticator", {
    options: {
      protocol: "ctap2",
      transport: "internal",
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
      ...options,
    },
  });
  const credentials = async () => (await cdp.send("WebAuthn.getCredentials", { authenticatorId })).credentials;
  /** A discoverable credential for `localhost`, for a user handle no server registered. */
  const addStrayCredential = async () => {
    const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const credentialId = randomBytes(16).toString("base64");
    await cdp.send("WebAuthn.addCredential", {
      authenticatorId,
      credential: {
        credentialId,
        isResidentCredential: true,
        rpId: "localhost",
        privateKey: privateKey.export({ type: "pkcs8", format: "der" }).toString("base64"),
        userHandle: randomBytes(16).toString("base64"),
        signCount: 0,
      },
    });
    return base64url(credentialId);
  };
  return { credentials, addStrayCredential };
}

/** A new browser context on the app; `prepare(context, page)` runs before the app loads. */
async function openApp(name, prepare) {
  const context = await browser.newContext({ viewport: { width: 900, height: 900 } });
  context.setDefaultTimeout(10_000);
  await context.addInitScript(recordSignals);
  context.on("page", (page) => watch(page, name));
  const page = await context.newPage();
  await prepare?.(context, page);
  await page.goto(`${baseUrl}/`);
  currentPage = page;
  return { context, page };
}

const alice = newUser("alice");

const { context: aliceContext, page } = await openApp("alice");

if (config.challengeUi === "prebuilt") {
  await step("sign up, then sign in through the pre-built UI popup (email code from the outbox)", async () => {
    await checkScreen(page, "sign-in");
    const before = await latestMessage(alice.email);
    await signUp(page, alice);
    await page.getByTestId("challenge-screen").waitFor();
    const popup = page.frameLocator("#__authsignal-popup-iframe");
    await popup.getByTestId("prebuilt-code").fill(await newCode(alice.email, before));
    await popup.getByTestId("prebuilt-verify").click();
    await signedInAs(page, alice);
  });

  await step("the Account security page lists the email code the sign-in enrolled, with no Remove on the only one", async () => {
    await expectMethods(page.getByTestId("authenticators"), ["EMAIL_OTP"]);
    await expectOnlyOne(page.getByTestId("authenticators"), "Your only sign-in method");
    await checkScreen(page, "account (pre-built)");
    await page.screenshot({ path: join(screenshotDir, "account-prebuilt.png"), fullPage: true });
  });

  const second = `alice-work-${suffix}@example.com`;
  await step("adding a second email after the sign-in went stale: the pre-built popup confirms, the code adds it, the two are told apart", async () => {
    allowResponse(403, /\/v1\/me\/authenticators\/enrollment-token$/, "403 reauthentication_required before the step-up");
    await sleep(2100);
    await page.getByTestId("add-email").click();
    await page.getByTestId("enroll-email").fill(second);
    const beforeStepUp = await latestMessage(alice.email);
    const beforeEnroll = await latestMessage(second);
    await page.getByTestId("enroll-email-submit").click();
    const popup = page.frameLocator("#__authsignal-popup-iframe");
    await popup.getByTestId("prebuilt-code").fill(await newCode(alice.email, beforeStepUp));
    await page.screenshot({ path: join(screenshotDir, "step-up-prebuilt.png") });
    await popup.getByTestId("prebuilt-verify").click();
    await page.getByTestId("enroll-code").fill(await newCode(second, beforeEnroll));
    await page.getByTestId("enroll-code-submit").click();
    await expectMethods(page.getByTestId("authenticators"), ["EMAIL_OTP", "EMAIL_OTP"]);
    await expectToldApart(page.getByTestId("authenticators"));
  });

  await step("removing one (a step-up in the popup again): one email left, without Remove", async () => {
    allowResponse(403, /\/v1\/me\/authenticators\/[^/]+$/, "403 reauthentication_required before the step-up");
    await sleep(2100);
    const before = await latestMessage(alice.email);
    await page.getByTestId("authenticators").getByTestId("authenticator-remove").last().click();
    const popup = page.frameLocator("#__authsignal-popup-iframe");
    await popup.getByTestId("prebuilt-code").fill(await newCode(alice.email, before));
    await popup.getByTestId("prebuilt-verify").click();
    await expectStatus(page, /^Removed email a\*+@example\.com\.$/);
    await expectMethods(page.getByTestId("authenticators"), ["EMAIL_OTP"]);
    await expectOnlyOne(page.getByTestId("authenticators"), "Your only sign-in method");
  });

  // Redirect mode (the triggers' PREBUILT_REDIRECT_URL): the pre-built page, opened as a page of
  // its own, returns to the app with ?token=, which Authsignal's /validate accepts.
  const secret = process.env.AUTHSIGNAL_SECRET;
  if (secret) {
    await step("redirect mode: the pre-built page returns to redirectUrl with a token /validate accepts", async () => {
      const server = { "Content-Type": "application/json", Authorization: `Basic ${btoa(`${secret}:`)}` };
      const userId = await page.getByTestId("user-id").textContent();
      const returnTo = `${baseUrl}/?from=prebuilt`;
      const tracked = await getJson(`/local/authsignal/v1/users/${encodeURIComponent(userId)}/actions/signIn`, {
        method: "POST",
        headers: server,
        body: JSON.stringify({ redirectUrl: returnTo }),
      });
      const before = await latestMessage(alice.email);
      const tab = await aliceContext.newPage();
      await tab.goto(tracked.url);
      await tab.getByTestId("prebuilt-code").fill(await newCode(alice.email, before));
      await tab.getByTestId("prebuilt-verify").click();
      await tab.waitForURL((url) => url.href.startsWith(`${returnTo}&token=`));
      const token = new URL(tab.url()).searchParams.get("token");
      const validated = await getJson("/local/authsignal/v1/validate", {
        method: "POST",
        headers: server,
        body: JSON.stringify({ token, userId, action: "signIn" }),
      });
      assert.equal(validated.isValid, true, JSON.stringify(validated));
      assert.equal(validated.verificationMethod, "EMAIL_OTP");
      await tab.close();
    });
  }
} else {
  // A password manager's passkeys: backup eligible and backed up (synced).
  const authenticator = await virtualAuthenticator(aliceContext, page, {
    defaultBackupEligibility: true,
    defaultBackupState: true,
  });
  const list = page.getByTestId("authenticators");
  let aliceId;

  await step("sign up on a screen of its own: confirmed by the Pre sign-up trigger, the sign-in starts with an email challenge, alone on the page", async () => {
    await page.getByTestId("sign-in-screen").waitFor();
    await checkScreen(page, "sign-in");
    await page.getByTestId("show-sign-up").click();
    await checkScreen(page, "sign-up");
    await signUp(page, alice);
    await page.getByTestId("challenge").getByTestId("challenge-email").waitFor();
    for (const other of ["sign-in-screen", "sign-up-screen"]) assert.equal(await page.getByTestId(other).isVisible(), false, other);
    assert.match(await page.getByTestId("challenge-screen").textContent(), new RegExp(`Signing in as ${alice.username}`));
    // A first sign-in has nothing to use but the email code.
    assert.equal(await page.getByTestId("challenge-passkey").count(), 0);
    await checkScreen(page, "challenge");
  });

  await step("email OTP sign-in: the code from the outbox signs in, the page shows the user id", async () => {
    const challenge = page.getByTestId("challenge");
    assert.equal(await challenge.getByTestId("challenge-code").isVisible(), false, "the code field shows before a code was sent");
    const before = await latestMessage(alice.email);
    await challenge.getByTestId("challenge-email").click();
    const code = await newCode(alice.email, before);
    await checkScreen(page, "challenge, code sent");
    await challenge.getByTestId("challenge-code").fill(code);
    await challenge.getByTestId("challenge-code-submit").click();
    aliceId = await signedInAs(page, alice);
  });

  await step("the list shows the email code the sign-in enrolled, masked, in words, with no Remove on the only one", async () => {
    await expectMethods(list, ["EMAIL_OTP"]);
    const row = await list.getByTestId("authenticator").textContent();
    assert.match(row, /\*+@example\.com/);
    assert.ok(!row.includes(alice.email), row);
    assert.match(await list.getByTestId("authenticator-facts").textContent(), /^Email code · Added /);
    await expectOnlyOne(list, "Your only sign-in method");
    await expectToldApart(list);
    assert.equal(await page.getByTestId("admin").count(), 0, "no admin view for a regular user");
    await checkScreen(page, "account");
  });

  await step("a step-up cancelled says nothing changed, as news rather than an error", async () => {
    allowResponse(403, /\/v1\/me\/authenticators\/enrollment-token$/, "403 reauthentication_required before the step-up");
    await sleep(2100); // RECENT_AUTH_MAX_AGE_SECONDS=1: the sign-in is no longer recent
    await page.getByTestId("add-passkey").click();
    const stepUp = page.getByTestId("step-up");
    await stepUp.waitFor();
    await checkScreen(page, "step-up");
    await stepUp.getByTestId("step-up-cancel").click();
    await stepUp.waitFor({ state: "detached" });
    await expectStatus(page, /^Cancelled\. Nothing was changed\.$/);
    assert.equal(await page.getByTestId("status").getAttribute("class"), "status info");
    await expectMethods(list, ["EMAIL_OTP"]);
    assert.deepEqual(await authenticator.credentials(), [], "no passkey was created");
  });

  await step("add a passkey: the stale sign-in asks 'Confirm it's you' (email code), then PASSKEY is listed", async () => {
    allowResponse(403, /\/v1\/me\/authenticators\/enrollment-token$/, "403 reauthentication_required before the step-up");
    await page.getByTestId("add-passkey").click();
    const stepUp = page.getByTestId("step-up");
    await stepUp.waitFor();
    await answerWithEmail(stepUp, alice.email);
    await expectMethods(list, ["EMAIL_OTP", "PASSKEY"]);
    await stepUp.waitFor({ state: "detached" });
    await page.screenshot({ path: join(screenshotDir, "account.png"), fullPage: true });
  });

  let passkeyId;
  await step("the passkey is listed by provider with its sync state and dates, grouped apart from the email", async () => {
    const [credential] = await authenticator.credentials();
    passkeyId = base64url(credential.credentialId);
    assert.equal(credential.isResidentCredential, true, "enrollment made a discoverable credential");
    const row = list.locator("[data-method=PASSKEY]");
    assert.equal(await row.getAttribute("data-id").then(Boolean), true);
    // Chromium's virtual authenticator has an AAGUID no provider list knows: the neutral name.
    assert.equal(await row.getByTestId("authenticator-name").textContent(), "Passkey");
    const facts = await row.getByTestId("authenticator-facts").textContent();
    assert.match(facts, /^Synced · Added \d{4}-\d{2}-\d{2} · Last used \d{4}-\d{2}-\d{2}$/);
    const groups = await list.getByTestId("authenticator-group").evaluateAll((nodes) => nodes.map((node) => node.dataset.group));
    assert.deepEqual(groups, ["Passkeys", "Email"]);
    assert.equal(await row.getByTestId("authenticator-remove").getAttribute("aria-label"), "Remove the passkey “Passkey”");
  });

  await step("after the list, the page tells the browser the user's accepted passkeys (signalAllAcceptedCredentials)", async () => {
    const [credential] = await authenticator.credentials();
    await eventually(async () => {
      const calls = await signals(page, "signalAllAcceptedCredentials");
      assert.deepEqual(calls.at(-1), {
        rpId: "localhost",
        userId: base64url(credential.userHandle),
        allAcceptedCredentialIds: [passkeyId],
      });
    });
  });

  await step("removing the passkey: the answer's list goes to signalAllAcceptedCredentials and the authenticator drops it", async () => {
    allowResponse(403, /\/v1\/me\/authenticators\/[^/]+$/, "403 reauthentication_required before the step-up");
    const [credential] = await authenticator.credentials();
    await list.locator("[data-method=PASSKEY]").getByTestId("authenticator-remove").click();
    await answerWithEmail(page.getByTestId("step-up"), alice.email);
    await expectMethods(list, ["EMAIL_OTP"]);
    await expectStatus(page, /^Removed the passkey “Passkey”\.$/);
    await eventually(async () => {
      const calls = await signals(page, "signalAllAcceptedCredentials");
      assert.deepEqual(calls.at(-1), { rpId: "localhost", userId: base64url(credential.userHandle), allAcceptedCredentialIds: [] });
    });
    await eventually(async () => assert.deepEqual(await authenticator.credentials(), []));
  });

  await step("add the passkey again (a new credential), listed as the only accepted one", async () => {
    allowResponse(403, /\/v1\/me\/authenticators\/enrollment-token$/, "403 reauthentication_required before the step-up");
    await page.getByTestId("add-passkey").click();
    await answerWithEmail(page.getByTestId("step-up"), alice.email);
    await expectMethods(list, ["EMAIL_OTP", "PASSKEY"]);
    const [credential] = await authenticator.credentials();
    assert.notEqual(base64url(credential.credentialId), passkeyId);
    passkeyId = base64url(credential.credentialId);
    await eventually(async () => {
      const calls = await signals(page, "signalAllAcceptedCredentials");
      assert.deepEqual(calls.at(-1)?.allAcceptedCredentialIds, [passkeyId]);
    });
  });

  await step("'Manage in Authsignal' opens the pre-built UI's settings page in a new tab, with a way back to the app", async () => {
    const [tab] = await Promise.all([aliceContext.waitForEvent("page"), page.getByTestId("open-settings").click()]);
    await tab.waitForLoadState();
    assert.match(tab.url(), /\/local\/authsignal\//);
    await checkScreen(tab, "settings (pre-built stand-in)");
    await tab.getByTestId("prebuilt-back").click();
    await tab.waitForURL(`${baseUrl}/`);
    assert.equal(await signedInAs(tab, alice), aliceId);
    await tab.close();
  });

  /** This page's browser offers no autofill from now on (until it reloads). */
  const withoutAutofill = (target) =>
    target.evaluate(() => {
      PublicKeyCredential.isConditionalMediationAvailable = async () => false;
    });

  if (withPassword) {
    await step("password-then-MFA: no passkey sign-in without a username (the password comes first)", async () => {
      await page.getByTestId("sign-out").click();
      await page.getByTestId("sign-in-screen").waitFor();
      assert.equal(await page.getByTestId("sign-in-passkey").count(), 0);
      assert.equal(await page.getByTestId("sign-in-username").getAttribute("autocomplete"), "username");
      await signIn(page, alice);
      await page.getByTestId("challenge").getByTestId("challenge-passkey").click();
      assert.equal(await signedInAs(page, alice), aliceId);
    });
  } else {
    // Chromium's virtual authenticator answers a conditional request at once, as a user picking
    // the passkey from the username field's autofill would.
    await step("autofill: after sign-out, the username field offers the passkey (conditional mediation), which signs in", async () => {
      await page.getByTestId("sign-out").click();
      assert.equal(await signedInAs(page, alice), aliceId);
    });

    await step("'Sign in with a passkey' (a browser without autofill): no username typed, the passkey names the user", async () => {
      await withoutAutofill(page);
      await page.getByTestId("sign-out").click();
      await page.getByTestId("sign-in-screen").waitFor();
      assert.equal(await page.getByTestId("sign-in-username").getAttribute("autocomplete"), "username webauthn");
      assert.equal(await page.getByTestId("sign-in-username").inputValue(), "");
      await page.getByTestId("sign-in-passkey").click();
      assert.equal(await signedInAs(page, alice), aliceId);
    });

    await step("a passkey the site does not know (autofill): the sign-in says so and signals it unknown", async () => {
      let stray;
      let strayAuthenticator;
      const mallory = await openApp("mallory", async (context, mallorysPage) => {
        strayAuthenticator = await virtualAuthenticator(context, mallorysPage);
        stray = await strayAuthenticator.addStrayCredential();
      });
      currentPage = mallory.page;
      await expectStatus(mallory.page, /not registered here any more/);
      assert.deepEqual(await signals(mallory.page, "signalUnknownCredential"), [{ rpId: "localhost", credentialId: stray }]);
      await eventually(async () => assert.deepEqual(await strayAuthenticator.credentials(), []));
      assert.equal(await mallory.page.getByTestId("user-id").count(), 0, "not signed in");
      await mallory.context.close();
      currentPage = page;
    });
  }

  // After the passkey sign-ins without a round: those must have succeeded moments before, by
  // the emulator's clock, which this step moves on.
  await step("an enrollment whose token expired (emulator clock +601 s) says 'start again'", async () => {
    allowResponse(403, /\/v1\/me\/authenticators\/enrollment-token$/, "403 reauthentication_required before the step-up");
    allowResponse(401, /\/local\/authsignal\/v1\/client\/verify\/email-otp$/, "401 expired_token from the emulator");
    const second = `alice-work-${suffix}@example.com`;
    await sleep(2100); // the sign-in just now goes stale: a step-up is asked
    await page.getByTestId("add-email").click();
    const before = await latestMessage(second);
    await page.getByTestId("enroll-email").fill(second);
    await page.getByTestId("enroll-email-submit").click();
    await page.getByTestId("step-up").getByTestId("challenge-passkey").click();
    await page.getByTestId("enroll-code").waitFor();
    const code = await newCode(second, before);
    await getJson("/local/authsignal/clock", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ advanceSeconds: 601 }),
    });
    await page.getByTestId("enroll-code").fill(code);
    await page.getByTestId("enroll-code-submit").click();
    await page.getByTestId("enrollment-expired").waitFor();
    assert.match(await page.getByTestId("enrollment-expired").textContent(), /start again/);
    await expectMethods(list, ["EMAIL_OTP", "PASSKEY"]);
  });

  await step("sign out", async () => {
    await page.getByTestId("sign-out").click();
    await page.getByTestId("sign-in-screen").waitFor();
  });

  await step("sign in with the passkey (the same virtual authenticator)", async () => {
    await signIn(page, alice);
    await page.getByTestId("challenge").getByTestId("challenge-passkey").click();
    assert.equal(await signedInAs(page, alice), aliceId);
  });

  await step("remove the email after the sign-in went stale: 'Confirm it's you' with the passkey, then only PASSKEY", async () => {
    allowResponse(403, /\/v1\/me\/authenticators\/[^/]+$/, "403 reauthentication_required before the step-up");
    await expectMethods(list, ["EMAIL_OTP", "PASSKEY"]);
    await sleep(2500);
    await list.locator("[data-method=EMAIL_OTP]").getByTestId("authenticator-remove").click();
    const stepUp = page.getByTestId("step-up");
    await stepUp.waitFor();
    await stepUp.getByTestId("challenge-passkey").click();
    await expectMethods(list, ["PASSKEY"]);
    await expectStatus(page, /^Removed email \S+@example\.com\.$/);
    // The removal's answer is the list left: the passkeys the browser may keep.
    await eventually(async () => {
      const calls = await signals(page, "signalAllAcceptedCredentials");
      assert.deepEqual(calls.at(-1)?.allAcceptedCredentialIds, [passkeyId]);
    });
  });

  await step("the only authenticator left offers no Remove, and says why", async () => {
    await expectMethods(list, ["PASSKEY"]);
    await expectOnlyOne(list, "Your only sign-in method");
  });

  const admin = newUser("admin");
  const { page: adminPage } = await openApp("admin");

  await step("a second user (new browser context) signs up and in with an email code; no admin view yet", async () => {
    await signUp(adminPage, admin);
    await answerWithEmail(adminPage.getByTestId("challenge"), admin.email);
    await signedInAs(adminPage, admin);
    assert.equal(await adminPage.getByTestId("admin").count(), 0);
  });

  await step("AdminAddUserToGroup (local pool), then the next sign-in shows the admin view", async () => {
    const response = await fetch(`${baseUrl}/local/cognito/`, {
      method: "POST",
      headers: {
        "Content-Type": "application/x-amz-json-1.1",
        "X-Amz-Target": "AWSCognitoIdentityProviderService.AdminAddUserToGroup",
      },
      body: JSON.stringify({ UserPoolId: config.userPoolId, Username: admin.username, GroupName: config.adminGroup }),
    });
    assert.equal(response.status, 200, await response.text());
    await adminPage.getByTestId("sign-out").click();
    await signIn(adminPage, admin);
    await answerWithEmail(adminPage.getByTestId("challenge"), admin.email);
    await signedInAs(adminPage, admin);
    await adminPage.getByTestId("admin").waitFor();
  });

  await step("the admin finds the first user by id; their only passkey offers no Remove", async () => {
    const adminList = adminPage.getByTestId("admin-authenticators");
    await adminPage.getByTestId("admin-user-id").fill(aliceId);
    await adminPage.getByTestId("admin-user-id-submit").click();
    await expectMethods(adminList, ["PASSKEY"]);
    await expectOnlyOne(adminList, "Their only sign-in method");
    await checkScreen(adminPage, "help desk");
    await adminPage.screenshot({ path: join(screenshotDir, "admin.png"), fullPage: true });
  });

  await step("the first user's page, reloaded, still shows the passkey", async () => {
    currentPage = page;
    await page.reload();
    assert.equal(await signedInAs(page, alice), aliceId);
    await expectMethods(list, ["PASSKEY"]);
  });

  await step("help desk: search by email finds the first user, masked, with one authenticator", async () => {
    currentPage = adminPage;
    await adminPage.getByTestId("admin-search-email").fill(alice.email);
    await adminPage.getByTestId("admin-search-email-submit").click();
    const row = adminPage.getByTestId("admin-users").getByTestId("admin-user");
    await eventually(async () => assert.equal(await row.count(), 1));
    assert.equal(await row.getAttribute("data-user-id"), aliceId);
    const text = await row.textContent();
    assert.ok(text.includes(alice.username) && text.includes("confirmed · 1 sign-in method"), text);
    assert.ok(!text.includes(alice.email), text);
  });

  await step("help desk: reset with a reason; every authenticator but the user's own email is removed and the user is signed out", async () => {
    await adminPage.getByTestId("admin-user-open").click();
    const adminList = adminPage.getByTestId("admin-authenticators");
    await expectMethods(adminList, ["PASSKEY"]);
    await adminPage.getByTestId("admin-reset-code").selectOption("lost_device");
    await adminPage.getByTestId("admin-reset-reason").fill("Lost her phone; identity checked by video call.");
    await adminPage.getByTestId("admin-reset-submit").click();
    // Her only authenticator was the passkey: the reset enrolls her email, so the account is
    // never without one (a token from before the reset could otherwise enroll anything).
    await expectStatus(
      adminPage,
      new RegExp(`^Reset ${alice.username}: 1 sign-in method removed, enrolled their own email a\\*\\*\\*@example\\.com \\(confirm it with them\\), signed out everywhere\\.$`),
    );
    // For the wrapper, which finds the user's notice in dev's log.
    console.log(`# reset user ${aliceId}`);
    await expectMethods(adminList, ["EMAIL_OTP"]);
  });

  await step("after the reset, the old session's next change is refused: back to signing in, saying why", async () => {
    currentPage = page;
    allowResponse(401, /\/v1\/me\/authenticators\/enrollment-token$/, "401 invalid_token: the reset signed this session out");
    allowResponse(400, /\/local\/cognito\/?$/, "400 from the pool: the reset revoked the refresh token Amplify revokes at sign-out");
    // Autofill would answer the sign-in screen at once; the next step reloads to offer it.
    await withoutAutofill(page);
    await page.getByTestId("add-passkey").click();
    await page.getByTestId("sign-in-screen").waitFor();
    await expectStatus(page, /^Invalid token: You were signed out everywhere after this token was issued; sign in again\.$/);
    assert.equal(await page.getByTestId("account").count(), 0, "the account page is gone");
  });

  await step("after the reset, the passkey is refused (and signalled unknown); the next sign-in proves the user's own email", async () => {
    currentPage = page;
    allowResponse(400, /\/local\/cognito\/?$/, "400 from the pool: the reset revoked the refresh token Amplify revokes at sign-out");
    assert.equal((await authenticator.credentials()).length, 1, "the passkey is still in the authenticator");
    await page.reload();
    if (!withPassword) {
      // Autofill offers the passkey the password manager still holds; the site no longer knows it.
      await expectStatus(page, /not registered here any more/);
      await eventually(async () => assert.deepEqual(await authenticator.credentials(), []));
    }
    await signIn(page, alice);
    const challenge = page.getByTestId("challenge");
    await challenge.getByTestId("challenge-email").waitFor();
    assert.equal(await challenge.getByTestId("challenge-passkey").count(), 0);
    await answerWithEmail(challenge, alice.email);
    assert.equal(await signedInAs(page, alice), aliceId);
    await expectMethods(list, ["EMAIL_OTP"]);
  });

  const carol = newUser("carol");
  currentPage = adminPage;

  await step("an unknown username, and a username that is taken, get answers in plain words", async () => {
    allowResponse(400, /\/local\/cognito\/?$/, "400 from the pool: no such user, then a username that exists");
    await adminPage.getByTestId("sign-out").click();
    await signIn(adminPage, { username: `nobody-${suffix}`, password: "Wr0ng-Horse!" });
    await expectStatus(
      adminPage,
      withPassword ? /^Incorrect username or password\.$/ : /^No account matches “nobody-.+”\. Check the username, or create an account\.$/,
    );
    await signUp(adminPage, { ...newUser("taken"), username: alice.username });
    await expectStatus(adminPage, new RegExp(`^The username “${alice.username}” is taken\\. Choose another, or sign in\\.$`));
    assert.equal(await adminPage.getByTestId("sign-up-screen").isVisible(), true);
  });

  await step("wrong codes: each says 'Wrong code'; when Authsignal stops accepting codes the sign-in ends visibly", async () => {
    await signUp(adminPage, carol);
    const challenge = adminPage.getByTestId("challenge");
    const before = await latestMessage(carol.email);
    await challenge.getByTestId("challenge-email").click();
    const code = await newCode(carol.email, before);
    const wrong = code === "000000" ? "111111" : "000000";
    // The emulator allows 5 wrong codes per challenge, then answers MAX_ATTEMPTS_EXCEEDED.
    for (let attempt = 1; attempt <= 5; attempt += 1) {
      await adminPage.getByTestId("status").evaluate((status) => (status.textContent = ""));
      await challenge.getByTestId("challenge-code").fill(wrong);
      await challenge.getByTestId("challenge-code-submit").click();
      await expectStatus(adminPage, /^Wrong code, try again\.$/);
    }
    await challenge.getByTestId("challenge-code").fill(wrong);
    await challenge.getByTestId("challenge-code-submit").click();
    await expectStatus(adminPage, /^Sign-in failed: Too many wrong codes\. Start again\.$/);
    assert.equal(await challenge.getByTestId("challenge-code").count(), 0, "the challenge is gone");
    await adminPage.getByTestId("sign-in-submit").waitFor();
  });

  await step("answers Cognito refuses start new rounds; the third ends the sign-in with a visible error", async () => {
    allowResponse(400, /\/local\/cognito\/?$/, "400 NotAuthorizedException: Cognito ended the sign-in");
    // Stand in for a validation token that Cognito's Verify trigger refuses (forged, another
    // user's, replayed): the emulator's verify answer is replaced, the rest is real.
    let forged = 0;
    await adminPage.route("**/local/authsignal/v1/client/verify/email-otp", (route) => {
      forged += 1;
      return route.fulfill({ json: { isVerified: true, accessToken: `forged-${forged}` } });
    });
    await signIn(adminPage, carol);
    // "Start again" on the challenge screen goes back to signing in, as news, not an error.
    await adminPage.getByTestId("challenge-cancel").click();
    await adminPage.getByTestId("sign-in-screen").waitFor();
    await expectStatus(adminPage, /^Sign-in cancelled\.$/);
    assert.equal(await adminPage.getByTestId("status").getAttribute("class"), "status info");
    await signIn(adminPage, carol);
    const challenge = adminPage.getByTestId("challenge");
    for (let round = 1; round <= 3; round += 1) {
      await challenge.getByTestId("challenge-email").click();
      await challenge.getByTestId("challenge-code").fill("123456");
      await challenge.getByTestId("challenge-code-submit").click();
      if (round < 3) await expectStatus(adminPage, /^That was not accepted\. Try again\.$/);
    }
    await expectStatus(adminPage, /^Sign-in failed: .+ Start again\.$/);
    assert.equal(forged, 3);
    await adminPage.unroute("**/local/authsignal/v1/client/verify/email-otp");
  });
}

if (config.challengeUi === "custom" && !withPassword) {
  const dave = { ...newUser("dave"), phone: `+4477009${String(process.pid % 100000).padStart(5, "0")}` };
  const { context: daveContext, page: davePage } = await openApp("dave");
  const daveList = davePage.getByTestId("authenticators");
  let secret;

  await step("authenticator app: a QR code and the key, confirmed with the code the app would show", async () => {
    currentPage = davePage;
    allowResponse(403, /\/v1\/me\/authenticators\/enrollment-token$/, "403 reauthentication_required before the step-up");
    await signUp(davePage, dave);
    await answerWithEmail(davePage.getByTestId("challenge"), dave.email);
    await signedInAs(davePage, dave);
    await sleep(2100);
    await davePage.getByTestId("add-totp").click();
    await answerWithEmail(davePage.getByTestId("step-up"), dave.email);
    await davePage.getByTestId("totp-qr").locator("svg").waitFor();
    await checkScreen(davePage, "authenticator app enrollment");
    secret = await davePage.getByTestId("totp-secret").textContent();
    assert.match(secret, /^[A-Z2-7]{32}$/);
    await davePage.getByTestId("enroll-totp-code").fill(totpCode(secret, await emulatorNow()));
    await davePage.getByTestId("enroll-totp-code-submit").click();
    await expectMethods(daveList, ["EMAIL_OTP", "AUTHENTICATOR_APP"]);
    await expectStatus(davePage, /^Authenticator app added\.$/);
  });

  await step("add a phone, confirming it's you with the authenticator app; the SMS code from the outbox adds it, listed masked", async () => {
    allowResponse(403, /\/v1\/me\/authenticators\/enrollment-token$/, "403 reauthentication_required before the step-up");
    await sleep(2100);
    await davePage.getByTestId("add-phone").click();
    await davePage.getByTestId("enroll-phone").fill(dave.phone);
    const before = await latestMessage(dave.phone);
    await davePage.getByTestId("enroll-phone-submit").click();
    const stepUp = davePage.getByTestId("step-up");
    await stepUp.getByTestId("challenge-totp").click();
    // The enrollment's code was this step's: the next step's code, as the app would show it.
    await stepUp.getByTestId("challenge-code").fill(totpCode(secret, await emulatorNow(30)));
    await stepUp.getByTestId("challenge-code-submit").click();
    await davePage.getByTestId("enroll-sms-code").fill(await newCode(dave.phone, before));
    await davePage.getByTestId("enroll-sms-code-submit").click();
    await expectMethods(daveList, ["EMAIL_OTP", "AUTHENTICATOR_APP", "SMS"]);
    const row = await daveList.locator("[data-method=SMS]").textContent();
    assert.match(row, /\+4\*+\d{4}/);
    assert.ok(!row.includes(dave.phone), row);
  });

  await step("sign out, then sign in with the authenticator app (the challenge offers every method the user has)", async () => {
    await davePage.getByTestId("sign-out").click();
    await signIn(davePage, dave);
    const challenge = davePage.getByTestId("challenge");
    await challenge.getByTestId("challenge-totp").click();
    for (const offered of ["challenge-email", "challenge-sms"]) assert.equal(await challenge.getByTestId(offered).count(), 1, offered);
    assert.equal(await challenge.getByTestId("challenge-passkey").count(), 0);
    await challenge.getByTestId("challenge-code").fill(totpCode(secret, await emulatorNow(30)));
    await challenge.getByTestId("challenge-code-submit").click();
    await signedInAs(davePage, dave);
  });

  await step("remove the authenticator app, confirming it's you by SMS", async () => {
    allowResponse(403, /\/v1\/me\/authenticators\/[^/]+$/, "403 reauthentication_required before the step-up");
    await sleep(2100);
    await daveList.locator("[data-method=AUTHENTICATOR_APP]").getByTestId("authenticator-remove").click();
    const stepUp = davePage.getByTestId("step-up");
    const before = await latestMessage(dave.phone);
    await stepUp.getByTestId("challenge-sms").click();
    await stepUp.getByTestId("challenge-code").fill(await newCode(dave.phone, before));
    await stepUp.getByTestId("challenge-code-submit").click();
    await expectMethods(daveList, ["EMAIL_OTP", "SMS"]);
    await expectStatus(davePage, /^Removed the authenticator app\.$/);
  });

  await step("a list gone stale (another tab removed the phone): removing the email says it is the only sign-in method left, in words, and shows the list", async () => {
    allowResponse(403, /\/v1\/me\/authenticators\/[^/]+$/, "403 reauthentication_required before the step-up");
    allowResponse(409, /\/v1\/me\/authenticators\/[^/]+$/, "409 last_authenticator");
    await expectMethods(daveList, ["EMAIL_OTP", "SMS"]);
    assert.equal(await daveList.getByTestId("authenticator-remove").count(), 2);
    await sleep(2100);
    const tab = await daveContext.newPage();
    await tab.goto(`${baseUrl}/`);
    await signedInAs(tab, dave);
    await tab.getByTestId("authenticators").locator("[data-method=SMS]").getByTestId("authenticator-remove").click();
    await answerWithEmail(tab.getByTestId("step-up"), dave.email);
    await expectStatus(tab, /^Removed phone \+4\*+\d{4}\.$/);
    await expectMethods(tab.getByTestId("authenticators"), ["EMAIL_OTP"]);
    await tab.close();
    // This page still lists the phone, so it still offers Remove on the email.
    await daveList.locator("[data-method=EMAIL_OTP]").getByTestId("authenticator-remove").click();
    const stepUp = davePage.getByTestId("step-up");
    // Whether the recent-sign-in check comes before the last-one check is the API's business.
    const asked = await Promise.race([stepUp.waitFor().then(() => true), davePage.locator(".status.error").waitFor().then(() => false)]);
    if (asked) await answerWithEmail(stepUp, dave.email);
    await expectStatus(davePage, /^You can't remove your only sign-in method\. Add another one first\.$/);
    await expectMethods(daveList, ["EMAIL_OTP"]);
    await expectOnlyOne(daveList, "Your only sign-in method");
  });

  await step("a second email: both addresses listed, told apart, each removable again", async () => {
    allowResponse(403, /\/v1\/me\/authenticators\/enrollment-token$/, "403 reauthentication_required before the step-up");
    const work = `dave-work-${suffix}@example.com`;
    await sleep(2100);
    await davePage.getByTestId("add-email").click();
    await checkScreen(davePage, "email enrollment");
    await davePage.getByTestId("enroll-email").fill(work);
    const before = await latestMessage(work);
    await davePage.getByTestId("enroll-email-submit").click();
    await answerWithEmail(davePage.getByTestId("step-up"), dave.email);
    await davePage.getByTestId("enroll-code").fill(await newCode(work, before));
    await davePage.getByTestId("enroll-code-submit").click();
    await expectMethods(daveList, ["EMAIL_OTP", "EMAIL_OTP"]);
    const names = await daveList.getByTestId("authenticator-name").allTextContents();
    assert.deepEqual(names, ["d***@example.com", "d***@example.com"], "the API masks both alike");
    await expectToldApart(daveList);
    assert.equal(await daveList.getByTestId("authenticator-remove").count(), 2);
  });
}

await step("no console errors or uncaught exceptions on any page", async () => {
  for (const entry of expectedErrors) console.log(`  expected console error (${entry.reason}): ${entry.text} ${entry.url}`);
  assert.deepEqual(unexpectedErrors, []);
});

await browser.close();
console.log(`# ${((Date.now() - started) / 1000).toFixed(1)} s`);
console.log(`${passed} passed, 0 failed`);
