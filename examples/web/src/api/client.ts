// The cognito-authsignal API, called only through the client generated from
// openapi/openapi.json (`npm run generate` → schema.d.ts).
import { fetchAuthSession } from "aws-amplify/auth";
import createClient, { type Client, type Middleware } from "openapi-fetch";
import type { components, paths } from "./schema";

export type Api = Client<paths>;
export type Authenticator = components["schemas"]["Authenticator"];
export type AuthenticatorList = components["schemas"]["AuthenticatorList"];
export type AcceptedPasskeys = components["schemas"]["AcceptedPasskeys"];
export type Problem = components["schemas"]["Problem"];

/** Every request carries the Cognito access token Amplify holds (refreshed by Amplify when due). */
const bearerToken: Middleware = {
  async onRequest({ request }) {
    const { tokens } = await fetchAuthSession();
    if (!tokens?.accessToken) throw new Error("You are signed out. Sign in again.");
    request.headers.set("Authorization", `Bearer ${tokens.accessToken.toString()}`);
    return request;
  },
};

/**
 * A 401 means the session is over: Amplify refreshes a token before it expires, so the user was
 * signed out everywhere (a help-desk reset) or the session was revoked. The app is told, with the
 * API's words, once per session.
 */
let onSessionEnded: (message: string) => Promise<void> = async () => undefined;
let ending: Promise<void> | undefined;

const sessionEnded: Middleware = {
  async onResponse({ response }) {
    if (response.status !== 401) return undefined;
    const problem: unknown = await response
      .clone()
      .json()
      .catch(() => undefined);
    ending ??= onSessionEnded(problemMessage(problem, response)).finally(() => (ending = undefined));
    await ending;
    return undefined;
  },
};

let client: Api | undefined;

/** `sessionEnded` runs when the API answers 401: sign out and say why. */
export function initApi(baseUrl: string, sessionEndedHandler: (message: string) => Promise<void>): void {
  client = createClient<paths>({ baseUrl });
  client.use(bearerToken, sessionEnded);
  onSessionEnded = sessionEndedHandler;
}

export function api(): Api {
  if (!client) throw new Error("initApi() has not been called");
  return client;
}

export function isProblem(value: unknown): value is Problem {
  return typeof value === "object" && value !== null && "code" in value && "title" in value;
}

/** What to show for a failed call: the problem's title and detail, never the raw body. */
export function problemMessage(error: unknown, response: Response): string {
  if (isProblem(error)) return error.detail ? `${error.title}: ${error.detail}` : error.title;
  return `The service answered ${response.status} ${response.statusText}.`.replace(" .", ".");
}

/** Throws the problem's message when a call failed; returns its data otherwise. */
export function ok<T>(result: { data?: T; error?: unknown; response: Response }): T {
  if (!result.response.ok) throw new Error(problemMessage(result.error, result.response));
  return result.data as T;
}
