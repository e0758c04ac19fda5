//! The help desk's user search (`GET /v1/admin/users`) against the real `dev` binary, whose
//! local pool answers Cognito's `ListUsers`: by email or username prefix, a page at a time, for
//! the admin group only, and nothing a caller sends reshapes the pool's filter.

use reqwest::Method;
use serde_json::Value;

use crate::dev::DevServer;
use crate::local_client::LocalClient;

const CLIENT_ID: &str = "localdevclient";
const ADMIN_GROUP: &str = "authenticator-admins";

async fn search(local: &LocalClient, token: &str, query: &str) -> (u16, Value) {
    let response = local
        .call(
            Method::GET,
            &format!("/v1/admin/users?{query}"),
            token,
            None,
        )
        .await;
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

fn usernames(page: &Value) -> Vec<String> {
    page["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|user| user["username"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn the_help_desk_finds_users_by_email_and_by_username_prefix_a_page_at_a_time() {
    let dev = DevServer::start(&[]).await;
    let local = LocalClient::new(&dev.base_url);
    let (jane, _) = local
        .sign_up_and_in(CLIENT_ID, "jane-search", "jane.search@example.com")
        .await;
    for name in ["jan-one", "jan-two"] {
        local
            .sign_up_and_in(CLIENT_ID, name, &format!("{name}@example.com"))
            .await;
    }
    let admin = local.mint("helpdesk-1", &[ADMIN_GROUP], 0).await;

    let (status, found) = search(&local, &admin, "email=jane.search%40example.com").await;
    assert_eq!(status, 200, "{found}");
    let users = found["users"].as_array().unwrap();
    assert_eq!(users.len(), 1, "{found}");
    let user = &users[0];
    assert_eq!(user["userId"], jane.as_str());
    assert_eq!(user["username"], "jane-search");
    assert_eq!(user["email"], "j***@example.com");
    assert_eq!(user["status"], "CONFIRMED");
    assert_eq!(user["enabled"], true);
    assert!(
        user["createdAt"].as_str().unwrap().starts_with("20"),
        "{user}"
    );
    // The first sign-in enrolled the user's email at Authsignal.
    assert_eq!(user["authenticatorCount"], 1);
    assert!(found.get("paginationToken").is_none());
    // Exact means exact.
    let (_, none) = search(&local, &admin, "email=jane.search%40example.co").await;
    assert_eq!(usernames(&none), Vec::<String>::new());

    // "jan" is the beginning of three usernames: two pages of two and one.
    let (status, first) = search(&local, &admin, "username=JAN&match=prefix&limit=2").await;
    assert_eq!(status, 200, "{first}");
    assert_eq!(usernames(&first), ["jan-one", "jan-two"]);
    let token = first["paginationToken"].as_str().unwrap();
    let (status, second) = search(
        &local,
        &admin,
        &format!("username=JAN&match=prefix&limit=2&paginationToken={token}"),
    )
    .await;
    assert_eq!(status, 200, "{second}");
    assert_eq!(usernames(&second), ["jane-search"]);
    assert!(second.get("paginationToken").is_none(), "{second}");
}

#[tokio::test]
async fn user_search_is_for_the_admin_group_only_and_refuses_what_could_reshape_the_filter() {
    let dev = DevServer::start(&[]).await;
    let local = LocalClient::new(&dev.base_url);
    local
        .sign_up_and_in(CLIENT_ID, "victim-search", "victim@example.com")
        .await;

    let plain = local.mint("user-1", &[], 0).await;
    let (status, refused) = search(&local, &plain, "email=victim%40example.com").await;
    assert_eq!(
        (status, &refused["code"]),
        (403, &"insufficient_scope".into())
    );
    for lookalike in [
        "authenticator-admins-x",
        "Authenticator-Admins",
        " authenticator-admins",
        "authenticator-admin",
    ] {
        let token = local.mint("user-2", &[lookalike], 0).await;
        let (status, _) = search(&local, &token, "username=v&match=prefix").await;
        assert_eq!(status, 403, "{lookalike}");
    }

    let admin = local.mint("helpdesk-2", &[ADMIN_GROUP], 0).await;
    for bad in [
        "",
        "email=a%40example.com&username=a",
        // A quote would end the value and let the rest become filter syntax.
        "email=x%22%20or%20username%20%5E%3D%20%22",
        "username=v%5C",
        "username=v%0A",
        "email=",
        "username=v&limit=61",
        "username=v&limit=0",
        "username=v&limit=1000000",
        "username=v&limit=-1",
        "username=v&match=regex",
        "username=v&unknown=1",
        "username=v&paginationToken=with%20space",
        // Well-formed, but not one the pool handed out.
        "username=v&paginationToken=not-a-token!",
    ] {
        let (status, problem) = search(&local, &admin, bad).await;
        assert_eq!(
            (status, problem["code"].as_str()),
            (400, Some("invalid_request")),
            "{bad}: {problem}"
        );
    }
    // A long value is refused before it reaches the pool.
    let long = "v".repeat(300);
    let (status, _) = search(&local, &admin, &format!("username={long}")).await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn without_a_user_directory_the_search_says_it_is_not_configured() {
    let stack = crate::helpers::Stack::start().await;
    let admin = stack.token("helpdesk-3", &[ADMIN_GROUP], 0);
    let response = stack
        .call(Method::GET, "/v1/admin/users?username=a", &admin, None)
        .await;
    assert_eq!(response.status(), 501);
    let problem: Value = response.json().await.unwrap();
    assert_eq!(problem["code"], "not_configured");
    // Who may ask is still checked first.
    let plain = stack.token("user-3", &[], 0);
    let response = stack
        .call(Method::GET, "/v1/admin/users?username=a", &plain, None)
        .await;
    assert_eq!(response.status(), 403);
}

/// The filters the directory builds, read by moto's Cognito (another implementation of
/// `ListUsers` than the local pool's): exact email, username prefix, pages.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cognito_directory_finds_users_in_motos_user_pool() {
    use aws_sdk_cognitoidentityprovider::types::{AttributeType, MessageActionType};
    use cognito_authsignal::directory::cognito::CognitoDirectory;
    use cognito_authsignal::directory::{SearchAttribute, UserDirectory, UserQuery};
    use cognito_authsignal::integrations::AwsClients;

    let moto = crate::moto::Moto::start().await;
    let cognito = AwsClients::new(&moto.sdk_config().await).cognito;
    let pool = cognito
        .create_user_pool()
        .pool_name("search")
        .send()
        .await
        .unwrap();
    let pool_id = pool.user_pool().unwrap().id().unwrap().to_owned();
    for (name, email) in [
        ("ann-1", "ann.one@example.com"),
        ("ann-2", "ann.two@example.com"),
        ("bob", "bob@example.com"),
    ] {
        cognito
            .admin_create_user()
            .user_pool_id(&pool_id)
            .username(name)
            .user_attributes(
                AttributeType::builder()
                    .name("email")
                    .value(email)
                    .build()
                    .unwrap(),
            )
            .message_action(MessageActionType::Suppress)
            .send()
            .await
            .unwrap();
    }
    let directory = CognitoDirectory::new(cognito, &pool_id);

    let exact = UserQuery::new(SearchAttribute::Email, "bob@example.com", false, 10, None).unwrap();
    let found = directory.find_users(&exact).await.unwrap();
    assert_eq!(found.users.len(), 1, "{found:?}");
    let bob = &found.users[0];
    assert_eq!(
        (bob.username.as_str(), bob.email.as_deref()),
        ("bob", Some("bob@example.com"))
    );
    assert!(!bob.sub.is_empty() && bob.created_at.is_some(), "{bob:?}");

    let prefix = UserQuery::new(SearchAttribute::Username, "ann", true, 10, None).unwrap();
    let mut names: Vec<String> = directory
        .find_users(&prefix)
        .await
        .unwrap()
        .users
        .into_iter()
        .map(|user| user.username)
        .collect();
    names.sort();
    assert_eq!(names, ["ann-1", "ann-2"]);
}
