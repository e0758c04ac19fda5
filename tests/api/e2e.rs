//! End to end, as an app would drive it, against the real `dev` binary.

use reqwest::{Method, Response};
use serde_json::{Value, json};

use crate::dev;

struct App {
    base: String,
    http: reqwest::Client,
}

impl App {
    async fn mint(&self, sub: &str, auth_time_ago: i64) -> String {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64;
        let minted: Value = self
            .http
            .post(format!("{}/local/cognito/token", self.base))
            .json(&json!({ "sub": sub, "username": sub, "authTime": now - auth_time_ago }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        minted["accessToken"].as_str().unwrap().to_owned()
    }

    async fn api(
        &self,
        method: Method,
        path: &str,
        token: &str,
        body: Option<Value>,
        step_up: Option<&str>,
    ) -> Response {
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        if let Some(proof) = step_up {
            request = request.header("Authsignal-Validation-Token", proof);
        }
        request.send().await.unwrap()
    }

    async fn client(&self, path: &str, token: &str, body: Option<Value>) -> Value {
        let mut request = self
            .http
            .post(format!("{}/local/authsignal/v1/client/{path}", self.base))
            .bearer_auth(token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        request.send().await.unwrap().json().await.unwrap()
    }

    async fn code(&self, email: &str) -> String {
        let outbox: Value = self
            .http
            .get(format!(
                "{}/local/authsignal/outbox?email={}",
                self.base,
                email.replace('@', "%40")
            ))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        outbox["messages"].as_array().unwrap().last().unwrap()["code"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    async fn enroll(&self, token: &str, email: &str) -> String {
        let response = self
            .api(
                Method::POST,
                "/v1/me/authenticators/enrollment-token",
                token,
                Some(json!({ "email": email })),
                None,
            )
            .await;
        assert_eq!(response.status(), 200);
        let authsignal_token = response.json::<Value>().await.unwrap()["token"]
            .as_str()
            .unwrap()
            .to_owned();
        let enrolled = self
            .client(
                "user-authenticators/email-otp",
                &authsignal_token,
                Some(json!({ "email": email })),
            )
            .await;
        let verified = self
            .client(
                "verify/email-otp",
                &authsignal_token,
                Some(json!({ "verificationCode": self.code(email).await })),
            )
            .await;
        assert_eq!(verified["isVerified"], true, "{verified}");
        enrolled["userAuthenticatorId"].as_str().unwrap().to_owned()
    }

    async fn list(&self, token: &str) -> Vec<Value> {
        let response = self
            .api(Method::GET, "/v1/me/authenticators", token, None, None)
            .await;
        assert_eq!(response.status(), 200);
        response.json::<Value>().await.unwrap()["authenticators"]
            .as_array()
            .unwrap()
            .clone()
    }

    async fn code_of(response: Response) -> (u16, String) {
        let status = response.status().as_u16();
        let body: Value = response.json().await.unwrap_or(Value::Null);
        (status, body["code"].as_str().unwrap_or_default().to_owned())
    }
}

#[tokio::test]
async fn a_user_enrolls_lists_and_removes_authenticators_end_to_end() {
    let dev = dev::DevServer::start(&[]).await;
    let app = App {
        base: dev.base_url.clone(),
        http: reqwest::Client::new(),
    };
    let user = "e2e-user-1";
    let token = app.mint(user, 30).await;

    let first = app.enroll(&token, "first@example.com").await;
    let list = app.list(&token).await;
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["verificationMethod"], "EMAIL_OTP");
    assert_eq!(list[0]["email"], "f***@example.com");
    assert_eq!(list[0]["removable"], false);

    let delete_first = format!("/v1/me/authenticators/{first}");
    let response = app
        .api(Method::DELETE, &delete_first, &token, None, None)
        .await;
    assert_eq!(
        App::code_of(response).await,
        (409, "last_authenticator".into())
    );

    let second = app.enroll(&token, "second@example.com").await;
    let response = app
        .api(Method::DELETE, &delete_first, &token, None, None)
        .await;
    assert_eq!(response.status(), 204);
    let list = app.list(&token).await;
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["id"], second.as_str());

    // An old sign-in needs a step-up, which works once.
    let third = app.enroll(&token, "third@example.com").await;
    let stale = app.mint(user, 7_200).await;
    let delete_third = format!("/v1/me/authenticators/{third}");
    let response = app
        .api(Method::DELETE, &delete_third, &stale, None, None)
        .await;
    assert_eq!(
        App::code_of(response).await,
        (403, "reauthentication_required".into())
    );
    let challenge: Value = app
        .api(
            Method::POST,
            "/v1/me/step-up",
            &stale,
            Some(json!({ "operation": "removeAuthenticator" })),
            None,
        )
        .await
        .json()
        .await
        .unwrap();
    let step_up_token = challenge["token"].as_str().unwrap();
    app.client("challenge/email-otp", step_up_token, None).await;
    let verified = app
        .client(
            "verify/email-otp",
            step_up_token,
            Some(json!({ "verificationCode": app.code("second@example.com").await })),
        )
        .await;
    let proof = verified["accessToken"].as_str().unwrap().to_owned();
    let response = app
        .api(Method::DELETE, &delete_third, &stale, None, Some(&proof))
        .await;
    assert_eq!(response.status(), 204);
    let fourth = app.enroll(&token, "fourth@example.com").await;
    let response = app
        .api(
            Method::DELETE,
            &format!("/v1/me/authenticators/{fourth}"),
            &stale,
            None,
            Some(&proof),
        )
        .await;
    assert_eq!(
        App::code_of(response).await,
        (403, "reauthentication_required".into()),
        "a replayed step-up token is refused"
    );

    // Another user can neither see nor delete these authenticators.
    let intruder = app.mint("e2e-intruder", 30).await;
    assert!(app.list(&intruder).await.is_empty());
    let response = app
        .api(
            Method::DELETE,
            &format!("/v1/me/authenticators/{second}"),
            &intruder,
            None,
            None,
        )
        .await;
    assert_eq!(App::code_of(response).await, (404, "not_found".into()));
    assert_eq!(app.list(&token).await.len(), 2);
}
