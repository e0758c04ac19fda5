// A client generated from openapi/openapi.json (openapi-typescript + openapi-fetch), type-checked
// with `tsc --strict`, calling the `dev` server as an app would.
// Usage: API_URL=… ACCESS_TOKEN=… node dist/client-smoke.js
import createClient from "openapi-fetch";
import type { components, paths } from "./generated/schema.js";

type Problem = components["schemas"]["Problem"];

const baseUrl = process.env.API_URL;
const token = process.env.ACCESS_TOKEN;
if (!baseUrl || !token) throw new Error("API_URL and ACCESS_TOKEN are required");

const api = createClient<paths>({ baseUrl, headers: { Authorization: `Bearer ${token}` } });
let passed = 0;

function check(condition: boolean, message: string): asserts condition {
  if (!condition) throw new Error(message);
  passed += 1;
  console.log(`ok - ${message}`);
}

const me = await api.GET("/v1/me");
check(me.response.status === 200 && typeof me.data?.userId === "string", "getMe returns the caller");

const list = await api.GET("/v1/me/authenticators");
check(list.data !== undefined && Array.isArray(list.data.authenticators), "listMyAuthenticators returns a list");

const enrollment = await api.POST("/v1/me/authenticators/enrollment-token", {
  body: { email: "ts-client@example.com" },
});
check(typeof enrollment.data?.token === "string" && enrollment.data.token.length > 0, "createEnrollmentToken returns a token");
check(!Number.isNaN(Date.parse(enrollment.data.expiresAt)), "the token has an ISO 8601 expiry");

const refused = await api.POST("/v1/me/authenticators/settings-url", {
  body: { redirectUrl: "https://evil.example/" },
});
const problem: Problem | undefined = refused.error;
check(refused.response.status === 400 && problem?.code === "invalid_redirect_url", "errors are typed problem details");

const missing = await api.DELETE("/v1/me/authenticators/{authenticatorId}", {
  params: { path: { authenticatorId: "does-not-exist" } },
});
check(missing.response.status === 404 && missing.error?.code === "not_found", "deleting an unknown id is a 404 problem");

console.log(`${passed} passed, 0 failed`);
