//! HTTP helpers for a running local stack (`dev`, or the in-process test stack): API calls with
//! a bearer token, the emulator's Client API and outbox, and the app-side flows built on them.

use reqwest::{Method, Response};
use serde_json::{Value, json};

pub struct LocalClient {
    pub base_url: String,
    pub http: reqwest::Client,
}

impl LocalClient {
    pub fn new(base_url: &str) -> Self {
        LocalClient {
            base_url: base_url.to_owned(),
            http: reqwest::Client::new(),
        }
    }

    /// Moves the emulator's clock `seconds` forward; returns its time (Unix seconds).
    pub async fn advance_clock(&self, seconds: u32) -> u64 {
        let response = self
            .http
            .post(format!("{}/local/authsignal/clock", self.base_url))
            .json(&json!({ "advanceSeconds": seconds }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        let body: Value = response.json().await.unwrap();
        humantime::parse_rfc3339(body["now"].as_str().unwrap())
            .unwrap()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs()
    }

    /// An access token from the local issuer for `sub`, signed in `signed_in_ago` seconds ago.
    pub async fn mint(&self, sub: &str, groups: &[&str], signed_in_ago: i64) -> String {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64;
        let minted: Value = self
            .http
            .post(format!("{}/local/cognito/token", self.base_url))
            .json(&json!({ "sub": sub, "username": sub, "groups": groups, "authTime": now - signed_in_ago }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        minted["accessToken"].as_str().unwrap().to_owned()
    }

    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: &str,
        body: Option<Value>,
    ) -> Response {
        self.call_with(method, path, token, body, &[]).await
    }

    pub async fn call_with(
        &self,
        method: Method,
        path: &str,
        token: &str,
        body: Option<Value>,
        headers: &[(&str, &str)],
    ) -> Response {
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.base_url))
            .bearer_auth(token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        request.send().await.unwrap()
    }

    pub async fn list(&self, token: &str) -> Vec<Value> {
        let response = self
            .call(Method::GET, "/v1/me/authenticators", token, None)
            .await;
        assert_eq!(response.status(), 200);
        let body: Value = response.json().await.unwrap();
        body["authenticators"].as_array().unwrap().clone()
    }

    /// The latest code the emulator "sent" to `address` (an email address or a phone number).
    pub async fn code_for(&self, address: &str) -> String {
        let (_, outbox) = self.outbox_for(address).await;
        outbox["messages"].as_array().unwrap().last().unwrap()["code"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// The emulator's outbox for `address` (email or phone number): the status and body.
    pub async fn outbox_for(&self, address: &str) -> (u16, Value) {
        let parameter = if address.contains('@') {
            "email"
        } else {
            "phoneNumber"
        };
        let query: String = url::form_urlencoded::Serializer::new(String::new())
            .append_pair(parameter, address)
            .finish();
        let response = self
            .http
            .get(format!("{}/local/authsignal/outbox?{query}", self.base_url))
            .send()
            .await
            .unwrap();
        (response.status().as_u16(), response.json().await.unwrap())
    }

    /// The emulator's clock, as seconds since the Unix epoch (it may run ahead of this one).
    pub async fn emulator_now(&self) -> u64 {
        self.advance_clock(0).await
    }

    /// A Client API call as `@authsignal/browser` makes it.
    pub async fn client_api(
        &self,
        path: &str,
        authsignal_token: &str,
        body: Option<Value>,
    ) -> Value {
        let (status, body) = self.client_api_raw(path, authsignal_token, body).await;
        assert_eq!(status, 200, "client API {path}: {body}");
        body
    }

    /// The same call, returning the status and body whatever they are.
    pub async fn client_api_raw(
        &self,
        path: &str,
        authsignal_token: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        self.client_post(path, format!("Bearer {authsignal_token}"), body)
            .await
    }

    async fn client_post(
        &self,
        path: &str,
        authorization: String,
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut request = self
            .http
            .post(format!(
                "{}/local/authsignal/v1/client/{path}",
                self.base_url
            ))
            .header("Authorization", authorization)
            .header("Content-Type", "application/json");
        if let Some(body) = body {
            request = request.body(body.to_string());
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    /// A Client API call made before the browser SDK holds a token: `Authorization: Basic
    /// base64(tenant id)`, as `@authsignal/browser` sends it.
    pub async fn client_api_as_tenant(
        &self,
        path: &str,
        tenant_id: &str,
        body: Value,
    ) -> (u16, Value) {
        use base64::Engine;
        let basic = base64::engine::general_purpose::STANDARD.encode(tenant_id);
        self.client_post(path, format!("Basic {basic}"), Some(body))
            .await
    }

    /// Enrolls `email` for the user behind `token` the way an app would: enrollment token from
    /// the API, then the Client API with the code from the outbox. Returns the authenticator id.
    pub async fn enroll_email(&self, token: &str, email: &str) -> String {
        let response = self
            .call(
                Method::POST,
                "/v1/me/authenticators/enrollment-token",
                token,
                Some(json!({ "email": email })),
            )
            .await;
        assert_eq!(response.status(), 200);
        let enrollment: Value = response.json().await.unwrap();
        let authsignal_token = enrollment["token"].as_str().unwrap();
        let enrolled = self
            .client_api(
                "user-authenticators/email-otp",
                authsignal_token,
                Some(json!({ "email": email })),
            )
            .await;
        let code = self.code_for(email).await;
        let verified = self
            .client_api(
                "verify/email-otp",
                authsignal_token,
                Some(json!({ "verificationCode": code })),
            )
            .await;
        assert_eq!(verified["isVerified"], true);
        enrolled["userAuthenticatorId"].as_str().unwrap().to_owned()
    }

    /// Runs a step-up for `operation` with the user's enrolled email; returns the validation token.
    pub async fn step_up(&self, token: &str, operation: &str, email: &str) -> String {
        self.step_up_tokens(token, operation, email).await.1
    }

    /// Runs a step-up for `operation` with the user's enrolled email; returns both tokens that
    /// validate for it afterwards: the step-up's own (track) token and the validation token.
    pub async fn step_up_tokens(
        &self,
        token: &str,
        operation: &str,
        email: &str,
    ) -> (String, String) {
        let response = self
            .call(
                Method::POST,
                "/v1/me/step-up",
                token,
                Some(json!({ "operation": operation })),
            )
            .await;
        assert_eq!(response.status(), 200);
        let challenge: Value = response.json().await.unwrap();
        assert!(
            challenge["url"]
                .as_str()
                .unwrap()
                .starts_with(&self.base_url)
        );
        let track_token = challenge["token"].as_str().unwrap().to_owned();
        let validation = self.answer_email_challenge(&track_token, email).await;
        (track_token, validation)
    }

    /// Runs the email OTP challenge for a track `token` as `@authsignal/browser` does
    /// (`email.challenge()`, the code from the outbox, `email.verify({code})`); returns the
    /// validation token an app hands to the service or to Cognito.
    pub async fn answer_email_challenge(&self, token: &str, email: &str) -> String {
        self.answer_code_challenge("email-otp", token, email).await
    }

    /// The same by SMS, with the code texted to `phone`.
    pub async fn answer_sms_challenge(&self, token: &str, phone: &str) -> String {
        self.answer_code_challenge("sms", token, phone).await
    }

    async fn answer_code_challenge(&self, method: &str, token: &str, address: &str) -> String {
        self.client_api(&format!("challenge/{method}"), token, None)
            .await;
        let code = self.code_for(address).await;
        let verified = self
            .client_api(
                &format!("verify/{method}"),
                token,
                Some(json!({ "verificationCode": code })),
            )
            .await;
        verified["accessToken"].as_str().unwrap().to_owned()
    }

    /// A call to the local user pool as the AWS SDKs make it (AWS JSON 1.1 at
    /// `/local/cognito/`): the status and body.
    pub async fn cognito(&self, operation: &str, body: Value) -> (u16, Value) {
        let response = self
            .http
            .post(format!("{}/local/cognito/", self.base_url))
            .header(
                "x-amz-target",
                format!("AWSCognitoIdentityProviderService.{operation}"),
            )
            .header("content-type", "application/x-amz-json-1.1")
            .body(body.to_string())
            .send()
            .await
            .unwrap();
        (response.status().as_u16(), response.json().await.unwrap())
    }

    /// Signs `username` up (with `email`) in dev's user pool and in through `CUSTOM_AUTH`,
    /// answering the email challenge; returns the user's `sub` and the `AuthenticationResult`.
    pub async fn sign_up_and_in(
        &self,
        client_id: &str,
        username: &str,
        email: &str,
    ) -> (String, Value) {
        let (status, signed_up) = self
            .cognito(
                "SignUp",
                json!({ "ClientId": client_id, "Username": username, "Password": "Passw0rd!",
                        "UserAttributes": [{ "Name": "email", "Value": email }] }),
            )
            .await;
        assert_eq!(status, 200, "{signed_up}");
        let (_, started) = self
            .cognito(
                "InitiateAuth",
                json!({ "ClientId": client_id, "AuthFlow": "CUSTOM_AUTH",
                        "AuthParameters": { "USERNAME": username } }),
            )
            .await;
        let answer = self
            .answer_email_challenge(
                started["ChallengeParameters"]["token"].as_str().unwrap(),
                email,
            )
            .await;
        let (status, tokens) = self
            .cognito(
                "RespondToAuthChallenge",
                json!({ "ClientId": client_id, "ChallengeName": "CUSTOM_CHALLENGE", "Session": started["Session"],
                        "ChallengeResponses": { "USERNAME": username, "ANSWER": answer } }),
            )
            .await;
        assert_eq!(status, 200, "{tokens}");
        let sub = signed_up["UserSub"].as_str().unwrap().to_owned();
        (sub, tokens["AuthenticationResult"].clone())
    }
}
