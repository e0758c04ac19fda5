"""Signs up and in with boto3 (`cognito-idp`) against the local Cognito user pool of
`cognito-authsignal dev`, answering the Authsignal challenge through the emulator's Client API
the way @authsignal/browser does, then calls the API with the access token.

Usage: LOCAL_BASE_URL=... USER_POOL_ID=... CLIENT_ID=... .venv/bin/python cognito_custom_auth.py
Each step prints one line; the first failed check raises (non-zero exit).
"""

import base64
import json
import os
import re
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

import boto3
from botocore.exceptions import ClientError


def required(name):
    value = os.environ.get(name)
    if not value:
        raise SystemExit(f"{name} is required")
    return value


base_url = required("LOCAL_BASE_URL").rstrip("/")
user_pool_id = required("USER_POOL_ID")
client_id = required("CLIENT_ID")
authsignal_url = f"{base_url}/local/authsignal"

cognito = boto3.client(
    "cognito-idp",
    region_name="eu-west-1",
    endpoint_url=f"{base_url}/local/cognito",
    aws_access_key_id="local",
    aws_secret_access_key="local",
)

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
passed = 0


class CheckFailed(Exception):
    pass


def check(condition, message):
    # Not `assert`: it must hold under `python -O` too.
    if not condition:
        raise CheckFailed(message)


def step(name):
    def run(body):
        global passed
        body()
        passed += 1
        print(f"ok - {name}", flush=True)
        return body

    return run


def http(method, url, body=None, headers=None):
    """A plain HTTP call; returns (status, parsed JSON or text)."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, raw = error.code, error.read()
    try:
        return status, json.loads(raw) if raw else None
    except ValueError:
        return status, raw.decode(errors="replace")


def error_code(call, *args, **kwargs):
    """Runs a boto3 call that must fail; returns its Error.Code."""
    try:
        result = call(*args, **kwargs)
    except ClientError as error:
        return error.response["Error"]["Code"]
    raise CheckFailed(f"expected a ClientError, got {json.dumps(result, default=str)}")


def latest_code(email):
    status, body = http(
        "GET", f"{authsignal_url}/outbox?email={urllib.parse.quote(email, safe='')}"
    )
    check(status == 200, f"outbox: {status} {body}")
    check(body["messages"], f"a code was sent to {email}")
    return body["messages"][-1]["code"]


def validation_token(challenge_token, email):
    """What @authsignal/browser does: email.challenge() then email.verify() with the code."""
    auth = {"Authorization": f"Bearer {challenge_token}"}
    status, body = http("POST", f"{authsignal_url}/v1/client/challenge/email-otp", {}, auth)
    check(status == 200, f"challenge/email-otp: {status} {body}")
    status, body = http(
        "POST",
        f"{authsignal_url}/v1/client/verify/email-otp",
        {"verificationCode": latest_code(email)},
        auth,
    )
    check(status == 200, f"verify/email-otp: {status} {body}")
    check(body.get("isVerified") is True, f"verify/email-otp: {body}")
    check(isinstance(body.get("accessToken"), str), f"verify/email-otp: {body}")
    return body["accessToken"]


def start_custom_auth(username):
    result = cognito.initiate_auth(
        ClientId=client_id, AuthFlow="CUSTOM_AUTH", AuthParameters={"USERNAME": username}
    )
    check_custom_challenge(result, username)
    return result


def check_custom_challenge(result, username):
    check(result.get("ChallengeName") == "CUSTOM_CHALLENGE", f"a custom challenge: {result}")
    check(isinstance(result.get("Session"), str) and result["Session"], f"a Session: {result}")
    check("AuthenticationResult" not in result, f"no tokens yet: {result}")
    parameters = result.get("ChallengeParameters", {})
    check(isinstance(parameters.get("token"), str) and parameters["token"], f"a token: {parameters}")
    check(parameters.get("isEnrolled") in ("true", "false"), f"isEnrolled: {parameters}")
    check(parameters.get("USERNAME") == username, f"USERNAME: {parameters}")


def answer(session, username, token):
    return cognito.respond_to_auth_challenge(
        ClientId=client_id,
        ChallengeName="CUSTOM_CHALLENGE",
        Session=session,
        ChallengeResponses={"USERNAME": username, "ANSWER": token},
    )


def check_tokens(result):
    tokens = result.get("AuthenticationResult")
    check(tokens is not None, f"tokens: {result}")
    for name in ("AccessToken", "IdToken", "RefreshToken"):
        check(isinstance(tokens.get(name), str) and tokens[name], f"{name}: {tokens}")
    check(tokens.get("ExpiresIn") == 3600, f"ExpiresIn: {tokens}")
    check(tokens.get("TokenType") == "Bearer", f"TokenType: {tokens}")
    return tokens


def claims(jwt):
    payload = jwt.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def me(access_token):
    return http("GET", f"{base_url}/v1/me", headers={"Authorization": f"Bearer {access_token}"})


suffix = f"{os.getpid()}-{int(time.time() * 1000)}"
username = f"boto3-{suffix}"
email = f"boto3-{suffix}@example.com"
password = "Corr3ct-Horse!"
state = {}


@step("sign_up: confirmed at once by the Pre sign-up trigger")
def _():
    result = cognito.sign_up(
        ClientId=client_id,
        Username=username,
        Password=password,
        UserAttributes=[{"Name": "email", "Value": email}],
    )
    check(result.get("UserConfirmed") is True, f"UserConfirmed: {result}")
    check(UUID.match(result.get("UserSub", "")), f"UserSub: {result}")
    state["sub"] = result["UserSub"]


@step("admin_get_user: the email is not verified by signing up")
def _():
    user = cognito.admin_get_user(UserPoolId=user_pool_id, Username=username)
    attributes = {a["Name"]: a["Value"] for a in user["UserAttributes"]}
    check(attributes.get("sub") == state["sub"], f"sub: {attributes}")
    check(attributes.get("email") == email, f"email: {attributes}")
    check(attributes.get("email_verified") == "false", f"email_verified: {attributes}")


@step("sign_up again: UsernameExistsException")
def _():
    code = error_code(
        cognito.sign_up,
        ClientId=client_id,
        Username=username,
        Password=password,
        UserAttributes=[{"Name": "email", "Value": email}],
    )
    check(code == "UsernameExistsException", code)


@step("initiate_auth CUSTOM_AUTH: a custom challenge with an Authsignal token")
def _():
    result = start_custom_auth(username)
    # A user with no authenticator gets their own email as the first one before any token.
    check(result["ChallengeParameters"]["isEnrolled"] == "true", f"{result}")
    check(result["ChallengeParameters"]["verificationMethods"] == "EMAIL_OTP", f"{result}")
    state["first"] = result


@step("a wrong answer: a new custom challenge, new Session, new token")
def _():
    first = state["first"]
    result = answer(first["Session"], username, "not-a-token")
    check_custom_challenge(result, username)
    check(result["Session"] != first["Session"], "a new Session")
    check(
        result["ChallengeParameters"]["token"] != first["ChallengeParameters"]["token"],
        "a new token",
    )
    state["second"] = result


@step("reusing the first Session: NotAuthorizedException")
def _():
    code = error_code(answer, state["first"]["Session"], username, "not-a-token")
    check(code == "NotAuthorizedException", code)


@step("the right answer for this round: tokens")
def _():
    second = state["second"]
    token = validation_token(second["ChallengeParameters"]["token"], email)
    state["tokens"] = check_tokens(answer(second["Session"], username, token))
    access = claims(state["tokens"]["AccessToken"])
    check(access.get("iss", "").endswith(f"/{user_pool_id}"), f"iss: {access}")
    check(access.get("sub") == state["sub"], f"sub: {access}")
    check(access.get("token_use") == "access", f"token_use: {access}")


@step("the ID token says email_verified only now that the email was proved at sign-in")
def _():
    identity = claims(state["tokens"]["IdToken"])
    check(identity.get("email") == email, f"email: {identity}")
    check(identity.get("email_verified") is True, f"email_verified: {identity}")


@step("GET /v1/me with the access token: 200, userId is the UserSub")
def _():
    status, body = me(state["tokens"]["AccessToken"])
    check(status == 200, f"{status} {body}")
    check(body.get("userId") == state["sub"], f"{body}")


@step("initiate_auth REFRESH_TOKEN_AUTH: a new access token the API accepts")
def _():
    result = cognito.initiate_auth(
        ClientId=client_id,
        AuthFlow="REFRESH_TOKEN_AUTH",
        AuthParameters={"REFRESH_TOKEN": state["tokens"]["RefreshToken"]},
    )
    tokens = result.get("AuthenticationResult", {})
    check(isinstance(tokens.get("AccessToken"), str), f"{result}")
    check(tokens.get("ExpiresIn") == 3600, f"{result}")
    check(tokens.get("TokenType") == "Bearer", f"{result}")
    status, body = me(tokens["AccessToken"])
    check(status == 200, f"{status} {body}")
    check(body.get("userId") == state["sub"], f"{body}")


@step("three wrong answers: two new challenges, then NotAuthorizedException")
def _():
    round_ = start_custom_auth(username)
    for attempt in (1, 2):
        following = answer(round_["Session"], username, f"wrong-{attempt}")
        check_custom_challenge(following, username)
        check(following["Session"] != round_["Session"], f"attempt {attempt}: a new Session")
        round_ = following
    code = error_code(answer, round_["Session"], username, "wrong-3")
    check(code == "NotAuthorizedException", code)


@step("a validation token from an earlier round is refused, this round's is accepted")
def _():
    round_1 = start_custom_auth(username)
    # Complete round 1's Authsignal challenge, but answer round 1 wrongly.
    token_1 = validation_token(round_1["ChallengeParameters"]["token"], email)
    round_2 = answer(round_1["Session"], username, "not-a-token")
    check_custom_challenge(round_2, username)
    # Round 1's valid token is not an answer for round 2.
    round_3 = answer(round_2["Session"], username, token_1)
    check_custom_challenge(round_3, username)
    check(round_3["Session"] != round_2["Session"], "a new Session")
    # The round itself still works with its own token.
    token_3 = validation_token(round_3["ChallengeParameters"]["token"], email)
    check_tokens(answer(round_3["Session"], username, token_3))


victim = f"victim-{suffix}"
victim_email = f"victim-{suffix}@example.com"
attacker_email = f"attacker-{suffix}@example.net"


def client_api(path, challenge_token, body):
    """A Client API call with a sign-in token, as @authsignal/browser makes it."""
    auth = {"Authorization": f"Bearer {challenge_token}"}
    return http("POST", f"{authsignal_url}/v1/client/{path}", body, auth)


def victims_authenticators():
    status, minted = http(
        "POST", f"{base_url}/local/cognito/token", {"username": "helpdesk", "groups": ["authenticator-admins"]}
    )
    check(status == 200, f"mint: {status} {minted}")
    status, body = http(
        "GET",
        f"{base_url}/v1/admin/users/{state['victim_sub']}/authenticators",
        headers={"Authorization": f"Bearer {minted['accessToken']}"},
    )
    check(status == 200, f"admin list: {status} {body}")
    return body["authenticators"]


@step("attack: the sign-in token of a user who never signed in enrolls no one else's email or passkey")
def _():
    result = cognito.sign_up(
        ClientId=client_id,
        Username=victim,
        Password=password,
        UserAttributes=[{"Name": "email", "Value": victim_email}],
    )
    state["victim_sub"] = result["UserSub"]
    round_ = start_custom_auth(victim)
    token = round_["ChallengeParameters"]["token"]
    status, body = client_api("user-authenticators/email-otp", token, {"email": attacker_email})
    check(status == 403, f"enrolling another email: {status} {body}")
    status, body = client_api(
        "user-authenticators/passkey/registration-options", token, {"username": victim}
    )
    check(status == 403, f"registering a passkey: {status} {body}")
    # The track token itself is no answer either: another challenge, never tokens.
    check_custom_challenge(answer(round_["Session"], victim, token), victim)
    listed = victims_authenticators()
    check([a["verificationMethod"] for a in listed] == ["EMAIL_OTP"], f"{listed}")
    check(listed[0]["email"].endswith("@example.com"), f"the victim's own: {listed}")


@step("the victim's own first sign-in still works, and proves their email")
def _():
    round_ = start_custom_auth(victim)
    token = validation_token(round_["ChallengeParameters"]["token"], victim_email)
    tokens = check_tokens(answer(round_["Session"], victim, token))
    check(claims(tokens["IdToken"]).get("email_verified") is True, "email_verified")
    listed = victims_authenticators()
    check([a["verificationMethod"] for a in listed] == ["EMAIL_OTP"], f"{listed}")


@step("initiate_auth for an unknown username: NotAuthorizedException")
def _():
    code = error_code(
        cognito.initiate_auth,
        ClientId=client_id,
        AuthFlow="CUSTOM_AUTH",
        AuthParameters={"USERNAME": f"nobody-{suffix}"},
    )
    check(code == "NotAuthorizedException", code)


@step("an unknown ClientId: ResourceNotFoundException")
def _():
    code = error_code(
        cognito.initiate_auth,
        ClientId="no-such-client",
        AuthFlow="CUSTOM_AUTH",
        AuthParameters={"USERNAME": username},
    )
    check(code == "ResourceNotFoundException", code)


@step("revoke_token: the refresh token no longer works")
def _():
    refresh_token = state["tokens"]["RefreshToken"]
    cognito.revoke_token(Token=refresh_token, ClientId=client_id)
    code = error_code(
        cognito.initiate_auth,
        ClientId=client_id,
        AuthFlow="REFRESH_TOKEN_AUTH",
        AuthParameters={"REFRESH_TOKEN": refresh_token},
    )
    check(code == "NotAuthorizedException", code)


print(f"{passed} passed, 0 failed")
sys.exit(0)
