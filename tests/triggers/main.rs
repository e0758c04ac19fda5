//! The Cognito sign-in triggers: the decision table, Cognito-shaped events through the Lambda
//! services, Create and Verify against the Authsignal emulator and a faulty upstream, and the
//! local CUSTOM_AUTH endpoint driven by boto3 and Amplify.

mod amplify;
mod aws_local;
mod challenge;
mod clients;
mod define_table;
#[path = "../common/dev.rs"]
mod dev;
mod first_authenticator;
mod fixtures;
#[path = "../common/local_client.rs"]
mod local_client;
mod local_cognito;
#[path = "../common/soft_passkey.rs"]
mod soft_passkey;
mod support;
