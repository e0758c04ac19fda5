//! `REVOKE_SESSIONS_ON_REMOVAL`: after a removal the user's Cognito refresh tokens stop working
//! (moto's cognito-idp, `AdminUserGlobalSignOut` with the `sub`); a revocation that fails never
//! fails the removal, which has already happened.

use aws_sdk_cognitoidentityprovider::Client;
use aws_sdk_cognitoidentityprovider::types::{
    AttributeType, AuthFlowType, ExplicitAuthFlowsType, MessageActionType, UsernameAttributeType,
};
use cognito_authsignal::config::IntegrationsConfig;
use cognito_authsignal::integrations::{AwsClients, Integrations};
use reqwest::Method;

use crate::helpers::*;
use crate::moto::{Moto, free_port, sdk_config_at};

struct CognitoUser {
    pool_id: String,
    client_id: String,
    sub: String,
    refresh_token: String,
}

/// A pool that signs in by email (so the internal username is the `sub`, as in most pools
/// behind this service), a user, and a signed-in session with a refresh token.
async fn signed_in_user(cognito: &Client) -> CognitoUser {
    let pool_id = cognito
        .create_user_pool()
        .pool_name("revocation")
        .username_attributes(UsernameAttributeType::Email)
        .send()
        .await
        .unwrap()
        .user_pool
        .unwrap()
        .id
        .unwrap();
    let client_id = cognito
        .create_user_pool_client()
        .user_pool_id(&pool_id)
        .client_name("app")
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowAdminUserPasswordAuth)
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowRefreshTokenAuth)
        .send()
        .await
        .unwrap()
        .user_pool_client
        .unwrap()
        .client_id
        .unwrap();
    let email = "revoked@example.com";
    let user = cognito
        .admin_create_user()
        .user_pool_id(&pool_id)
        .username(email)
        .message_action(MessageActionType::Suppress)
        .user_attributes(
            AttributeType::builder()
                .name("email")
                .value(email)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap()
        .user
        .unwrap();
    let sub = user
        .attributes()
        .iter()
        .find(|attribute| attribute.name() == "sub")
        .and_then(|attribute| attribute.value())
        .unwrap()
        .to_owned();
    cognito
        .admin_set_user_password()
        .user_pool_id(&pool_id)
        .username(email)
        .password("Correct-Horse-9!")
        .permanent(true)
        .send()
        .await
        .unwrap();
    let signed_in = cognito
        .admin_initiate_auth()
        .user_pool_id(&pool_id)
        .client_id(&client_id)
        .auth_flow(AuthFlowType::AdminUserPasswordAuth)
        // By `sub`: moto ties the refresh token to the name given here, Cognito to the user.
        .auth_parameters("USERNAME", &sub)
        .auth_parameters("PASSWORD", "Correct-Horse-9!")
        .send()
        .await
        .unwrap();
    let refresh_token = signed_in
        .authentication_result()
        .unwrap()
        .refresh_token()
        .unwrap()
        .to_owned();
    CognitoUser {
        pool_id,
        client_id,
        sub,
        refresh_token,
    }
}

/// Whether the refresh token still gets new tokens.
async fn refresh_works(cognito: &Client, user: &CognitoUser) -> bool {
    cognito
        .initiate_auth()
        .client_id(&user.client_id)
        .auth_flow(AuthFlowType::RefreshTokenAuth)
        .auth_parameters("REFRESH_TOKEN", &user.refresh_token)
        .send()
        .await
        .is_ok()
}

fn revoking(pool_id: &str, clients: &AwsClients) -> Integrations {
    let config = IntegrationsConfig {
        revoke_sessions_on_removal: true,
        ..IntegrationsConfig::default()
    };
    Integrations::with_clients(&config, pool_id, clients)
}

async fn remove_one_of_two(stack: &Stack, sub: &str) {
    let fresh = stack.token(sub, &[], 60);
    stack.enroll_email(&fresh, "revoke-1@example.com").await;
    let second = stack.enroll_email(&fresh, "revoke-2@example.com").await;
    let response = stack
        .call(
            Method::DELETE,
            &format!("/v1/me/authenticators/{second}"),
            &fresh,
            None,
        )
        .await;
    assert_eq!(response.status(), 200);
    assert_eq!(stack.list(&fresh).await.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_removal_signs_the_user_out_of_every_session() {
    let moto = Moto::start().await;
    let clients = AwsClients::new(&moto.sdk_config().await);
    let user = signed_in_user(&clients.cognito).await;
    assert!(refresh_works(&clients.cognito, &user).await);

    let stack = Stack::with_integrations(revoking(&user.pool_id, &clients)).await;
    remove_one_of_two(&stack, &user.sub).await;
    assert!(
        !refresh_works(&clients.cognito, &user).await,
        "the refresh token still works after the removal"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_the_setting_sessions_are_left_alone() {
    let moto = Moto::start().await;
    let clients = AwsClients::new(&moto.sdk_config().await);
    let user = signed_in_user(&clients.cognito).await;
    let stack = Stack::start().await;
    remove_one_of_two(&stack, &user.sub).await;
    assert!(refresh_works(&clients.cognito, &user).await);
}

#[tokio::test]
async fn a_failed_revocation_never_fails_the_removal() {
    let nowhere = format!("http://127.0.0.1:{}", free_port());
    let clients = AwsClients::new(&sdk_config_at(&nowhere).await);
    let stack = Stack::with_integrations(revoking("eu-west-1_Gone", &clients)).await;
    remove_one_of_two(&stack, "u-revoke-fails").await;
}
