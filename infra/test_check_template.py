"""The template checks fail when they should: each test breaks a copy of the real template in
one way and expects exactly that problem. Run by `make test` (stdlib unittest)."""

import copy
import os
import unittest

from check_template import check, load

HERE = os.path.dirname(os.path.abspath(__file__))
TEMPLATE, OPENAPI, MAKEFILE = load(os.path.join(HERE, "template.yaml"),
                                   os.path.join(HERE, "..", "openapi", "openapi.json"))


def problems_of(change, makefile=MAKEFILE):
    template = copy.deepcopy(TEMPLATE)
    change(template["Resources"])
    return check(template, OPENAPI, makefile)[1]


def problems_of_makefile(old, new):
    """The problems with the real template and a Makefile where `old` (once) is `new`."""
    assert MAKEFILE.count(old) == 1, old
    return problems_of(lambda resources: None, MAKEFILE.replace(old, new))


class TemplateChecks(unittest.TestCase):
    def test_the_real_template_passes(self):
        self.assertEqual(problems_of(lambda resources: None), [])

    def test_a_route_missing_from_the_template_is_found(self):
        def drop(resources):
            del resources["AccountApiFunction"]["Properties"]["Events"]["StartStepUp"]
        self.assertEqual(problems_of(drop),
                         ["POST /v1/me/step-up is in the OpenAPI document but not in the template"])

    def test_an_undocumented_route_is_found(self):
        def rename(resources):
            events = resources["AdminApiFunction"]["Properties"]["Events"]
            events["ListUserAuthenticators"]["Properties"]["Path"] = "/v1/admin/everyone"
        problems = problems_of(rename)
        self.assertIn("GET /v1/admin/everyone is in the template but not in the OpenAPI document",
                      problems)

    def test_a_route_without_the_authorizer_is_found(self):
        def open_route(resources):
            event = resources["AccountApiFunction"]["Properties"]["Events"]["GetMe"]
            event["Properties"]["Auth"] = {"Authorizer": "NONE"}
        self.assertEqual(problems_of(open_route),
                         ["GET /v1/me is not behind the CognitoJwt authorizer"])

    def test_an_extra_permission_is_found(self):
        def widen(resources):
            resources["PreSignUpFunction"]["Properties"]["Policies"] = [
                {"Statement": [{"Effect": "Allow", "Action": "dynamodb:Scan", "Resource": "*"}]}]
        problems = problems_of(widen)
        self.assertEqual(len(problems), 1, problems)
        self.assertIn("PreSignUpFunction may ['dynamodb:Scan']", problems[0])

    def test_a_permission_in_a_policy_of_its_own_is_found(self):
        def widen(resources):
            policy = resources["VerifyAuthChallengeResponseUserPoolPolicy"]["Properties"]
            policy["PolicyDocument"]["Statement"][0]["Action"] = [
                "cognito-idp:AdminUpdateUserAttributes", "cognito-idp:AdminDeleteUser"]
        problems = problems_of(widen)
        self.assertEqual(len(problems), 1, problems)
        self.assertIn("VerifyAuthChallengeResponseFunction may", problems[0])
        self.assertIn("cognito-idp:AdminDeleteUser", problems[0])

    def test_notice_words_that_drift_from_the_local_template_are_found(self):
        def reword(resources):
            resources["ChangeNoticeTemplate"]["Properties"]["Template"]["TextPart"] = "Hi"
        self.assertEqual(problems_of(reword),
                         ["the SES template's TextPart differs from infra/change-notice-template.json"])

    def test_a_function_built_by_sam_itself_is_found(self):
        def rebuild(resources):
            resources["PreSignUpFunction"]["Metadata"]["BuildMethod"] = "rust-cargolambda"
        self.assertEqual(problems_of(rebuild),
                         ["PreSignUpFunction is built by rust-cargolambda, not by the Makefile "
                          "(make lambda)"])

    def test_a_function_without_its_makefile_target_is_found(self):
        problems = problems_of_makefile("build-AdminApiFunction: lambda", "build-AdminApi: lambda")
        self.assertEqual(problems, ["the Makefile has no build-AdminApiFunction target"])

    def test_a_makefile_target_deploying_another_binary_is_found(self):
        problems = problems_of_makefile(
            'cp target/lambda/pre-sign-up/bootstrap', 'cp target/lambda/define-auth-challenge/bootstrap')
        self.assertEqual(problems, ["the Makefile's build-PreSignUpFunction is not `make lambda` and "
                                    "a copy of target/lambda/pre-sign-up/bootstrap"])

    def test_a_makefile_target_that_skips_make_lambda_is_found(self):
        problems = problems_of_makefile("build-ChangeNotifierFunction: lambda",
                                        "build-ChangeNotifierFunction:")
        self.assertEqual(problems, ["the Makefile's build-ChangeNotifierFunction is not `make lambda` "
                                    "and a copy of target/lambda/change-notifier/bootstrap"])

    def test_a_function_make_lambda_does_not_build_is_found(self):
        problems = problems_of_makefile("-p verify-auth-challenge-response ", "")
        self.assertEqual(problems, ["make lambda does not build verify-auth-challenge-response"])


if __name__ == "__main__":
    unittest.main()
