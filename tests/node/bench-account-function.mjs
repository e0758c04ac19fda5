// The seeds' design of GET /v1/me/authenticators as a Node Lambda function, for the Lambda-shaped
// benchmark (benches/lambda.rs) to compare with `account-api`: aws-jwt-verify with the JWKS
// loaded at init, @authsignal/node, and the Runtime API's loop (next, handle, response) over
// Node's own fetch, which keeps its connections alive.
import { Authsignal } from "@authsignal/node";
import { CognitoJwtVerifier } from "aws-jwt-verify";

const runtimeApi = `http://${process.env.AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime`;
const verifier = CognitoJwtVerifier.create({
  userPoolId: process.env.COGNITO_USER_POOL_ID,
  tokenUse: "access",
  clientId: process.env.COGNITO_CLIENT_IDS,
});
verifier.cacheJwks(await (await fetch(process.env.COGNITO_JWKS_URL)).json());
const authsignal = new Authsignal({
  apiSecretKey: process.env.AUTHSIGNAL_SECRET_KEY,
  apiUrl: process.env.AUTHSIGNAL_API_URL,
});

async function handle(event) {
  const authorization = event.headers?.authorization ?? "";
  let claims;
  try {
    claims = await verifier.verify(authorization.replace(/^Bearer /i, ""));
  } catch {
    return { statusCode: 401, body: JSON.stringify({ code: "invalid_token" }) };
  }
  const authenticators = await authsignal.getAuthenticators({ userId: claims.sub });
  return {
    statusCode: 200,
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ authenticators }),
  };
}

for (;;) {
  const next = await fetch(`${runtimeApi}/invocation/next`);
  const requestId = next.headers.get("lambda-runtime-aws-request-id");
  const answer = await handle(await next.json());
  await fetch(`${runtimeApi}/invocation/${requestId}/response`, {
    method: "POST",
    body: JSON.stringify(answer),
  });
}
