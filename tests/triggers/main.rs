//! The Cognito sign-in triggers: the decision table, Cognito-shaped events through the Lambda
//! services, Create and Verify against the Authsignal emulator and a faulty upstream, and the
//! local CUSTOM_AUTH endpoint driven by boto3 and Amplify.

mod amplify;
mod aws_local;
mod challenge;
mod clients;
mod define_table;
use cognito_authsignal_test_support::dev;
mod first_authenticator;
mod fixtures;
use cognito_authsignal_test_support::local_client;
mod local_cognito;
mod passkey_sign_in;
use cognito_authsignal_test_support::soft_passkey;
mod support;
