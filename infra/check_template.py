"""Offline checks of infra/template.yaml that cfn-lint cannot make.

1. Transforms the SAM template with aws-sam-translator (local CodeUris replaced by placeholder
   S3 URIs, as `sam package` would) and writes the CloudFormation result, so cfn-lint and
   checkov can check what CloudFormation will actually receive (the SAM source pass misses some
   Lambda checks).
2. Checks that the HTTP API's routes are exactly the method + path pairs of
   openapi/openapi.json, and that every one of them requires the Cognito JWT authorizer.
3. Checks each function's least privilege: the actions its role may perform.
4. Checks that the change-notice SES template says what infra/change-notice-template.json says
   (the parts `dev --aws-local` and the tests deploy to moto).
5. Checks that `sam build` deploys what `make lambda` built and checked: every function is built
   by SAM's makefile method from the repository root, whose Makefile has its
   `build-<function>` target: `make lambda` (which builds this function's package), then a copy
   of this function's bootstrap.

Usage: python infra/check_template.py infra/template.yaml openapi/openapi.json OUT.json
Exits non-zero with one line per problem.
"""

import json
import os
import re
import sys

from samtranslator.metrics.metrics import DummyMetricsPublisher, Metrics
from samtranslator.model.exceptions import InvalidDocumentException
from samtranslator.parser.parser import Parser
from samtranslator.translator.translator import Translator
from samtranslator.yaml_helper import yaml_parse

HTTP_METHODS = {"get", "put", "post", "delete", "patch", "head", "options"}

# What each function's role may do, beyond writing its own logs.
EXPECTED_ACTIONS = {
    "AccountApiFunction": {"secretsmanager:GetSecretValue", "dynamodb:PutItem", "dynamodb:GetItem",
                           "events:PutEvents", "cognito-idp:AdminUserGlobalSignOut"},
    "AdminApiFunction": {"secretsmanager:GetSecretValue", "dynamodb:PutItem", "dynamodb:GetItem",
                         "events:PutEvents", "cognito-idp:AdminUserGlobalSignOut",
                         "cognito-idp:ListUsers"},
    "CreateAuthChallengeFunction": {"secretsmanager:GetSecretValue"},
    "VerifyAuthChallengeResponseFunction": {"secretsmanager:GetSecretValue", "events:PutEvents",
                                            "cognito-idp:AdminUpdateUserAttributes",
                                            "dynamodb:PutItem"},
    # Its dead-letter queue's SendMessage is SAM's, for its own queue.
    "ChangeNotifierFunction": {"cognito-idp:ListUsers", "ses:SendTemplatedEmail", "sqs:SendMessage"},
    "DefineAuthChallengeFunction": set(),
    "PreSignUpFunction": set(),
}

# The binary (cargo package, target/lambda/<binary>/bootstrap) each function deploys.
FUNCTION_BINARIES = {
    "AccountApiFunction": "account-api",
    "AdminApiFunction": "admin-api",
    "DefineAuthChallengeFunction": "define-auth-challenge",
    "CreateAuthChallengeFunction": "create-auth-challenge",
    "VerifyAuthChallengeResponseFunction": "verify-auth-challenge-response",
    "PreSignUpFunction": "pre-sign-up",
    "ChangeNotifierFunction": "change-notifier",
}

PARAMETERS = {
    "AuthsignalSecretArn": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:authsignal-AbCdEf",
    # Every optional feature on, so every conditional statement is checked.
    "EventBusName": "security-events",
    "RevokeSessionsOnRemoval": "true",
    "NoticeSender": "security@example.com",
}

NOTICE_PARTS = ("SubjectPart", "TextPart", "HtmlPart")


class PlaceholderS3:
    """What `sam package` leaves in place of a local CodeUri."""

    def __init__(self, template):
        for name, resource in template.get("Resources", {}).items():
            properties = resource.get("Properties", {})
            code_uri = properties.get("CodeUri")
            if isinstance(code_uri, str) and not code_uri.startswith("s3://"):
                properties["CodeUri"] = f"s3://placeholder-bucket/{name}.zip"


def translate(template):
    PlaceholderS3(template)
    # Pseudo parameters need a region; no AWS call is made.
    os.environ.setdefault("AWS_DEFAULT_REGION", "eu-west-1")
    # The translator records metrics for SAM's own service; publishing them to nowhere keeps it
    # from warning about each unpublished batch.
    metrics = Metrics("ServerlessTransform", DummyMetricsPublisher())
    translator = Translator(managed_policy_map={}, sam_parser=Parser(), metrics=metrics)
    try:
        return translator.translate(template, parameter_values=dict(PARAMETERS))
    except InvalidDocumentException as error:
        sys.exit("\n".join(f"translation: {cause.message}" for cause in error.causes))
    finally:
        metrics.publish()


def openapi_routes(document):
    return {
        (method.upper(), path)
        for path, item in document["paths"].items()
        for method in item
        if method in HTTP_METHODS
    }


def template_routes(cloudformation, problems):
    apis = [r for r in cloudformation["Resources"].values() if r["Type"] == "AWS::ApiGatewayV2::Api"]
    if len(apis) != 1:
        problems.append(f"expected one HTTP API, found {len(apis)}")
        return set()
    body = apis[0]["Properties"]["Body"]
    schemes = body.get("components", {}).get("securitySchemes", {})
    jwt = [name for name, scheme in schemes.items() if scheme.get("type") == "oauth2"
           and scheme.get("x-amazon-apigateway-authorizer", {}).get("type") == "jwt"]
    if jwt != ["CognitoJwt"]:
        problems.append(f"expected the CognitoJwt JWT authorizer, found {jwt}")
    routes = set()
    for path, item in body["paths"].items():
        for method, operation in item.items():
            if method == "x-amazon-apigateway-any-method" or method not in HTTP_METHODS:
                continue
            routes.add((method.upper(), path))
            if operation.get("security") != [{"CognitoJwt": []}]:
                problems.append(f"{method.upper()} {path} is not behind the CognitoJwt authorizer")
    return routes


def role_actions(cloudformation, function):
    role_name = cloudformation["Resources"][function]["Properties"]["Role"]["Fn::GetAtt"][0]
    role = cloudformation["Resources"][role_name]["Properties"]
    managed = role.get("ManagedPolicyArns", [])
    actions = set()
    # Inline policies, and policies of their own attached to the role (needed where an inline
    # one would make a circular dependency).
    documents = [policy for policy in role.get("Policies", [])]
    documents += [
        resource["Properties"]
        for resource in cloudformation["Resources"].values()
        if resource["Type"] == "AWS::IAM::Policy"
        and {"Ref": role_name} in resource["Properties"].get("Roles", [])
    ]
    for policy in documents:
        if "Fn::If" in policy:
            # A conditional policy (`!If [Condition, policy, AWS::NoValue]`): check the policy.
            policy = policy["Fn::If"][1]
        for statement in policy["PolicyDocument"]["Statement"]:
            action = statement["Action"]
            actions.update([action] if isinstance(action, str) else action)
    return actions, managed


def makefile_rules(makefile):
    """Each rule of a Makefile as target -> (prerequisites, recipe lines), continuation lines
    joined. Enough for the plain rules checked here; variables are not expanded."""
    rules = {}
    recipe = None
    for line in makefile.replace("\\\n", " ").splitlines():
        if line.startswith("\t") and recipe is not None:
            recipe.append(" ".join(line.split()))
            continue
        rule = re.match(r"^([\w.%/-]+):(?!=)(.*)$", line)
        if rule:
            recipe = []
            rules[rule.group(1)] = (rule.group(2).split(), recipe)
        elif not line.startswith("#"):
            recipe = None
    return rules


def build_problems(template, makefile):
    """Problems with how `sam build` builds each function (see 5. above)."""
    rules = makefile_rules(makefile)
    lambda_packages = set(re.findall(r"-p ([\w-]+)", " ".join(rules.get("lambda", ([], []))[1])))
    problems = []
    for name, resource in template["Resources"].items():
        if resource["Type"] != "AWS::Serverless::Function":
            continue
        method = resource.get("Metadata", {}).get("BuildMethod")
        if method != "makefile":
            problems.append(f"{name} is built by {method}, not by the Makefile (make lambda)")
        if resource["Properties"].get("CodeUri") != "../":
            problems.append(f"{name}'s CodeUri is not ../ (the root, where the Makefile is)")
        binary = FUNCTION_BINARIES.get(name)
        if binary is None:
            problems.append(f"{name} has no binary in check_template.py's FUNCTION_BINARIES")
            continue
        if binary not in lambda_packages:
            problems.append(f"make lambda does not build {binary}")
        target = f"build-{name}"
        expected = (["lambda"], [f'cp target/lambda/{binary}/bootstrap "$(ARTIFACTS_DIR)/bootstrap"'])
        if target not in rules:
            problems.append(f"the Makefile has no {target} target")
        elif rules[target] != expected:
            problems.append(f"the Makefile's {target} is not `make lambda` and a copy of "
                            f"target/lambda/{binary}/bootstrap")
    return problems


def check(template, openapi, makefile):
    """The translated template and the problems found in it."""
    # Before the translation, which rewrites the template in place.
    problems = build_problems(template, makefile)
    cloudformation = translate(template)
    documented = openapi_routes(openapi)
    deployed = template_routes(cloudformation, problems)
    for method, path in sorted(documented - deployed):
        problems.append(f"{method} {path} is in the OpenAPI document but not in the template")
    for method, path in sorted(deployed - documented):
        problems.append(f"{method} {path} is in the template but not in the OpenAPI document")
    for function, expected in EXPECTED_ACTIONS.items():
        actions, managed = role_actions(cloudformation, function)
        if actions != expected:
            problems.append(f"{function} may {sorted(actions)}, expected {sorted(expected)}")
        extra = [arn for arn in managed if "AWSLambdaBasicExecutionRole" not in str(arn)]
        if extra:
            problems.append(f"{function} has managed policies beyond basic execution: {extra}")
    problems += notice_template_problems(cloudformation)
    return cloudformation, problems, len(deployed)


def notice_template_problems(cloudformation):
    templates = [r for r in cloudformation["Resources"].values() if r["Type"] == "AWS::SES::Template"]
    if len(templates) != 1:
        return [f"expected one SES template, found {len(templates)}"]
    deployed = templates[0]["Properties"]["Template"]
    here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "change-notice-template.json")
    with open(here) as f:
        local = json.load(f)
    return [f"the SES template's {part} differs from infra/change-notice-template.json"
            for part in NOTICE_PARTS if deployed.get(part) != local[part]]


def load(template_path, openapi_path):
    with open(template_path) as f:
        template = yaml_parse(f.read())
    with open(openapi_path) as f:
        openapi = json.load(f)
    # The functions' CodeUri (checked to be ../), where `sam build` runs make.
    with open(os.path.join(os.path.dirname(os.path.abspath(template_path)), "..", "Makefile")) as f:
        makefile = f.read()
    return template, openapi, makefile


def main():
    template_path, openapi_path, out_path = sys.argv[1:4]
    cloudformation, problems, routes = check(*load(template_path, openapi_path))
    with open(out_path, "w") as f:
        json.dump(cloudformation, f, indent=2)
    for problem in problems:
        print(problem)
    if problems:
        sys.exit(1)
    print(f"{template_path}: {routes} routes match {openapi_path}, all behind CognitoJwt; "
          f"{len(EXPECTED_ACTIONS)} function roles least-privilege; "
          f"{len(FUNCTION_BINARIES)} functions built by make lambda")


if __name__ == "__main__":
    main()
