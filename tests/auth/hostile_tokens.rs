//! A corpus of hostile tokens: each has exactly one defect on top of a valid token, is refused
//! by the verifier for that very reason, and gets 401 `invalid_token` over HTTP.

use aws_lc_rs::hmac;
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use cognito_authsignal::auth::JwksSettings;
use cognito_authsignal::auth::verifier::MAX_TOKEN_BYTES;
use cognito_authsignal_local::keys::{RsaScheme, SigningKey, b64_json};
use serde_json::{Value, json};
use wiremock::MockServer;

use crate::helpers::*;

struct Hostile {
    name: &'static str,
    /// The whole `Authorization` header value; `None` sends no header.
    authorization: Option<String>,
    /// Debug prefix of the expected `VerifyError`; `None` when the header never reaches the
    /// verifier (no bearer token in it).
    expected: Option<&'static str>,
}

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

fn hs(key: &[u8], algorithm: hmac::Algorithm, header: &Value, claims: &Value) -> String {
    let input = format!("{}.{}", b64_json(header), b64_json(claims));
    let tag = hmac::sign(&hmac::Key::new(algorithm, key), input.as_bytes());
    format!("{input}.{}", b64(tag.as_ref()))
}

/// Signs raw header and payload bytes (for malformed JSON, duplicates, bad UTF-8).
fn sign_raw(key: &SigningKey, header: &[u8], payload: &[u8]) -> String {
    let input = format!("{}.{}", b64(header), b64(payload));
    let signature = key.sign(RsaScheme::Rs256, input.as_bytes());
    format!("{input}.{}", b64(&signature))
}

fn with(claims_change: impl FnOnce(&mut serde_json::Map<String, Value>)) -> Value {
    let mut claims = valid_claims();
    claims_change(claims.as_object_mut().unwrap());
    claims
}

fn bearer(token: String) -> Option<String> {
    Some(format!("Bearer {token}"))
}

fn corpus(key: &SigningKey, other_key: &SigningKey) -> Vec<Hostile> {
    let good_header = json!({ "kid": "good-key", "alg": "RS256" });
    let valid = valid_claims();
    let valid_token = key.sign_jwt(&valid);
    let (signed_part, _) = valid_token.rsplit_once('.').unwrap();
    let now = now();
    let public_der = key.public_key_der();
    let public_pem = format!(
        "-----BEGIN PUBLIC KEY-----\n{}\n-----END PUBLIC KEY-----\n",
        STANDARD.encode(&public_der)
    );
    let header_b64 = b64_json(&good_header);
    let payload_b64 = b64_json(&valid);
    let h = |name, authorization, expected| Hostile {
        name,
        authorization,
        expected,
    };
    let rs = |claims: Value| bearer(key.sign_jwt(&claims));

    vec![
        h("no Authorization header", None, None),
        h("empty bearer", Some("Bearer ".into()), None),
        h("basic scheme", Some(format!("Basic {valid_token}")), None),
        h("no scheme", Some(valid_token.clone()), None),
        h(
            "two tokens",
            Some(format!("Bearer {valid_token} {valid_token}")),
            None,
        ),
        h("one part", bearer("abc".into()), Some("Rejected(Malformed")),
        h(
            "two parts",
            bearer(format!("{header_b64}.{payload_b64}")),
            Some("Rejected(Malformed"),
        ),
        h(
            "four parts",
            bearer(format!("{valid_token}.abc")),
            Some("Rejected(Malformed"),
        ),
        h(
            "empty parts",
            bearer("..".into()),
            Some("Rejected(Malformed"),
        ),
        h(
            "empty signature",
            bearer(format!("{signed_part}.")),
            Some("Rejected(Malformed"),
        ),
        h(
            "padded base64",
            bearer(format!("{valid_token}==")),
            Some("Rejected(Malformed"),
        ),
        h(
            "standard base64 alphabet",
            bearer(format!("{header_b64}+/.{payload_b64}.sig")),
            Some("Rejected(Malformed"),
        ),
        h(
            "oversized token",
            bearer(key.sign_jwt(&with(|c| {
                c.insert("padding".into(), json!("x".repeat(MAX_TOKEN_BYTES)));
            }))),
            Some("Rejected(TooLarge"),
        ),
        h(
            "header not JSON",
            bearer(format!("{}.{payload_b64}.c2ln", b64(b"not json"))),
            Some("Rejected(BadHeader"),
        ),
        h(
            "header is an array",
            bearer(format!("{}.{payload_b64}.c2ln", b64(b"[\"RS256\"]"))),
            Some("Rejected(BadHeader"),
        ),
        h(
            "header not UTF-8",
            bearer(format!(
                "{}.{payload_b64}.c2ln",
                b64(b"{\"alg\":\"RS256\xff\"}")
            )),
            Some("Rejected(BadHeader"),
        ),
        h(
            "header alg not a string",
            bearer(format!(
                "{}.{payload_b64}.c2ln",
                b64_json(&json!({"alg": 256, "kid": "good-key"}))
            )),
            Some("Rejected(BadHeader"),
        ),
        h(
            "header kid not a string",
            bearer(format!(
                "{}.{payload_b64}.c2ln",
                b64_json(&json!({"alg": "RS256", "kid": ["good-key"]}))
            )),
            Some("Rejected(BadHeader"),
        ),
        h(
            "duplicate alg in header",
            bearer(sign_raw(
                key,
                br#"{"alg":"none","kid":"good-key","alg":"RS256"}"#,
                valid.to_string().as_bytes(),
            )),
            Some("Rejected(BadHeader"),
        ),
        h(
            "alg none, unsigned",
            bearer(format!(
                "{}.{payload_b64}.",
                b64_json(&json!({"alg": "none", "kid": "good-key"}))
            )),
            Some("Rejected(Malformed"),
        ),
        h(
            "alg none with a signature",
            bearer(format!(
                "{}.{payload_b64}.c2ln",
                b64_json(&json!({"alg": "none", "kid": "good-key"}))
            )),
            Some("Rejected(AlgorithmNotAllowed"),
        ),
        h(
            "alg NONE",
            bearer(format!(
                "{}.{payload_b64}.c2ln",
                b64_json(&json!({"alg": "NONE", "kid": "good-key"}))
            )),
            Some("Rejected(AlgorithmNotAllowed"),
        ),
        h(
            "alg missing",
            bearer(key.sign_jwt_with(RsaScheme::Rs256, &json!({"kid": "good-key"}), &valid)),
            Some("Rejected(AlgorithmNotAllowed"),
        ),
        h(
            "HS256 keyed with the RSA public key (DER)",
            bearer(hs(
                &public_der,
                hmac::HMAC_SHA256,
                &json!({"kid": "good-key", "alg": "HS256"}),
                &valid,
            )),
            Some("Rejected(AlgorithmNotAllowed"),
        ),
        h(
            "HS256 keyed with the RSA public key (PEM)",
            bearer(hs(
                public_pem.as_bytes(),
                hmac::HMAC_SHA256,
                &json!({"kid": "good-key", "alg": "HS256"}),
                &valid,
            )),
            Some("Rejected(AlgorithmNotAllowed"),
        ),
        h(
            "HS512",
            bearer(hs(
                b"secret",
                hmac::HMAC_SHA512,
                &json!({"kid": "good-key", "alg": "HS512"}),
                &valid,
            )),
            Some("Rejected(AlgorithmNotAllowed"),
        ),
        h(
            "PS256 with the right key",
            bearer(key.sign_jwt_with(
                RsaScheme::Ps256,
                &json!({"kid": "good-key", "alg": "PS256"}),
                &valid,
            )),
            Some("Rejected(AlgorithmNotAllowed"),
        ),
        h(
            "RS512 with the right key",
            bearer(key.sign_jwt_with(
                RsaScheme::Rs512,
                &json!({"kid": "good-key", "alg": "RS512"}),
                &valid,
            )),
            Some("Rejected(AlgorithmNotAllowed"),
        ),
        h(
            "ES256 header",
            bearer(format!(
                "{}.{payload_b64}.c2ln",
                b64_json(&json!({"alg": "ES256", "kid": "good-key"}))
            )),
            Some("Rejected(AlgorithmNotAllowed"),
        ),
        h(
            "kid missing",
            bearer(key.sign_jwt_with(RsaScheme::Rs256, &json!({"alg": "RS256"}), &valid)),
            Some("Rejected(MissingKid"),
        ),
        h(
            "kid unknown",
            bearer(key.sign_jwt_with(
                RsaScheme::Rs256,
                &json!({"alg": "RS256", "kid": "who-knows"}),
                &valid,
            )),
            Some("Rejected(KidNotFound"),
        ),
        h(
            "kid names an EC key",
            bearer(key.sign_jwt_with(
                RsaScheme::Rs256,
                &json!({"alg": "RS256", "kid": "ec-key"}),
                &valid,
            )),
            Some("Rejected(UnusableKey { kid: \"ec-key\", problem: NotRsa"),
        ),
        h(
            "kid names an encryption key",
            bearer(key.sign_jwt_with(
                RsaScheme::Rs256,
                &json!({"alg": "RS256", "kid": "enc-key"}),
                &valid,
            )),
            Some("Rejected(UnusableKey { kid: \"enc-key\", problem: NotForSignatures"),
        ),
        h(
            "kid names an RS512 key",
            bearer(key.sign_jwt_with(
                RsaScheme::Rs256,
                &json!({"alg": "RS256", "kid": "rs512-key"}),
                &valid,
            )),
            Some("Rejected(UnusableKey { kid: \"rs512-key\", problem: AlgorithmMismatch"),
        ),
        h(
            "kid names a key without modulus",
            bearer(key.sign_jwt_with(
                RsaScheme::Rs256,
                &json!({"alg": "RS256", "kid": "no-n-key"}),
                &valid,
            )),
            Some("Rejected(UnusableKey { kid: \"no-n-key\", problem: BadComponents"),
        ),
        h(
            "signed by another key under our kid",
            bearer(other_key.sign_jwt_with(RsaScheme::Rs256, &good_header, &valid)),
            Some("Rejected(InvalidSignature"),
        ),
        h(
            "payload swapped after signing",
            bearer({
                let forged = b64_json(&with(|c| {
                    c.insert("sub".into(), json!("someone-else"));
                }));
                let signature = valid_token.rsplit('.').next().unwrap();
                format!("{header_b64}.{forged}.{signature}")
            }),
            Some("Rejected(InvalidSignature"),
        ),
        h(
            "signature truncated",
            bearer(valid_token[..valid_token.len() - 4].to_owned()),
            Some("Rejected(InvalidSignature"),
        ),
        h(
            "signature not base64 of a signature",
            bearer(format!("{signed_part}.AAAA")),
            Some("Rejected(InvalidSignature"),
        ),
        h(
            "payload not JSON",
            bearer(sign_raw(
                key,
                good_header.to_string().as_bytes(),
                b"not json",
            )),
            Some("Rejected(BadClaims"),
        ),
        h(
            "payload is an array",
            bearer(sign_raw(
                key,
                good_header.to_string().as_bytes(),
                b"[1,2,3]",
            )),
            Some("Rejected(BadClaims"),
        ),
        h(
            "payload not UTF-8",
            bearer(sign_raw(
                key,
                good_header.to_string().as_bytes(),
                b"{\"sub\":\"\xc3\x28\"}",
            )),
            Some("Rejected(BadClaims"),
        ),
        h(
            "duplicate sub claim",
            bearer(sign_raw(
                key,
                good_header.to_string().as_bytes(),
                {
                    let text = valid.to_string();
                    format!("{{\"sub\":\"someone-else\",{}", &text[1..]).into_bytes()
                }
                .as_slice(),
            )),
            Some("Rejected(BadClaims"),
        ),
        h(
            "exp is a string",
            rs(with(|c| {
                c.insert("exp".into(), json!((now + 3600).to_string()));
            })),
            Some("Rejected(BadClaims"),
        ),
        h(
            "iss is a number",
            rs(with(|c| {
                c.insert("iss".into(), json!(42));
            })),
            Some("Rejected(BadClaims"),
        ),
        h(
            "groups is a string",
            rs(with(|c| {
                c.insert("cognito:groups".into(), json!("authenticator-admins"));
            })),
            Some("Rejected(BadClaims"),
        ),
        h(
            "scope is an array",
            rs(with(|c| {
                c.insert("scope".into(), json!(["a", "b"]));
            })),
            Some("Rejected(BadClaims"),
        ),
        h(
            "exp missing",
            rs(with(|c| {
                c.remove("exp");
            })),
            Some("Rejected(MissingExpiry"),
        ),
        h(
            "expired",
            rs(with(|c| {
                c.insert("exp".into(), json!(now - 1));
            })),
            Some("Rejected(Expired"),
        ),
        h(
            "expired a day ago",
            rs(with(|c| {
                c.insert("exp".into(), json!(now - 86_400));
            })),
            Some("Rejected(Expired"),
        ),
        h(
            "not yet valid",
            rs(with(|c| {
                c.insert("nbf".into(), json!(now + 600));
            })),
            Some("Rejected(NotYetValid"),
        ),
        h(
            "issued in the future",
            rs(with(|c| {
                c.insert("iat".into(), json!(now + 600));
            })),
            Some("Rejected(IssuedInFuture"),
        ),
        h(
            "authenticated in the future",
            rs(with(|c| {
                c.insert("auth_time".into(), json!(now + 600));
            })),
            Some("Rejected(AuthenticatedInFuture"),
        ),
        h(
            "iss missing",
            rs(with(|c| {
                c.remove("iss");
            })),
            Some("Rejected(IssuerNotAllowed"),
        ),
        h(
            "iss of another pool",
            rs(with(|c| {
                c.insert(
                    "iss".into(),
                    json!("https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Other"),
                );
            })),
            Some("Rejected(IssuerNotAllowed"),
        ),
        h(
            "iss with a trailing slash",
            rs(with(|c| {
                c.insert("iss".into(), json!(format!("{ISSUER}/")));
            })),
            Some("Rejected(IssuerNotAllowed"),
        ),
        h(
            "iss over plain http",
            rs(with(|c| {
                c.insert("iss".into(), json!(ISSUER.replace("https", "http")));
            })),
            Some("Rejected(IssuerNotAllowed"),
        ),
        h(
            "ID token of our client",
            rs(with(|c| {
                c.insert("token_use".into(), json!("id"));
                c.insert("aud".into(), json!(CLIENT_ID));
                c.remove("client_id");
            })),
            Some("Rejected(NotAnAccessToken"),
        ),
        h(
            "token_use missing",
            rs(with(|c| {
                c.remove("token_use");
            })),
            Some("Rejected(NotAnAccessToken"),
        ),
        h(
            "token_use Access",
            rs(with(|c| {
                c.insert("token_use".into(), json!("Access"));
            })),
            Some("Rejected(NotAnAccessToken"),
        ),
        h(
            "client_id of another client",
            rs(with(|c| {
                c.insert("client_id".into(), json!("otherclient"));
            })),
            Some("Rejected(ClientNotAllowed"),
        ),
        h(
            "client_id missing, aud set",
            rs(with(|c| {
                c.remove("client_id");
                c.insert("aud".into(), json!(CLIENT_ID));
            })),
            Some("Rejected(ClientNotAllowed"),
        ),
        h(
            "sub missing",
            rs(with(|c| {
                c.remove("sub");
            })),
            Some("Rejected(MissingSubject"),
        ),
        h(
            "sub empty",
            rs(with(|c| {
                c.insert("sub".into(), json!(""));
            })),
            Some("Rejected(MissingSubject"),
        ),
        h(
            "sub `.`",
            rs(with(|c| {
                c.insert("sub".into(), json!("."));
            })),
            Some("Rejected(DotSegmentSubject"),
        ),
        h(
            "sub `..`",
            rs(with(|c| {
                c.insert("sub".into(), json!(".."));
            })),
            Some("Rejected(DotSegmentSubject"),
        ),
    ]
}

/// The JWKS the corpus is checked against: our key plus keys that must never verify RS256.
fn hostile_jwks(key: &SigningKey) -> Value {
    let good = key.public_jwk();
    let mut ec = json!({ "kty": "EC", "kid": "ec-key", "crv": "P-256", "x": "AAAA", "y": "AAAA", "use": "sig" });
    ec["alg"] = json!("ES256");
    let mut enc = good.clone();
    enc["kid"] = json!("enc-key");
    enc["use"] = json!("enc");
    let mut rs512 = good.clone();
    rs512["kid"] = json!("rs512-key");
    rs512["alg"] = json!("RS512");
    let mut no_n = good.clone();
    no_n["kid"] = json!("no-n-key");
    no_n.as_object_mut().unwrap().remove("n");
    json!({ "keys": [good, ec, enc, rs512, no_n] })
}

async fn hostile_app() -> (TestApp, SigningKey) {
    let key = SigningKey::generate("good-key");
    let other_key = SigningKey::generate("good-key");
    let server = MockServer::start().await;
    serve_jwks(&server, hostile_jwks(&key)).await;
    (
        TestApp::spawn_with(key, server, JwksSettings::default()).await,
        other_key,
    )
}

#[tokio::test]
async fn the_valid_base_token_is_accepted() {
    let (app, _) = hostile_app().await;
    let response = app
        .get_me(Some(&format!("Bearer {}", app.token(&valid_claims()))))
        .await;
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn every_hostile_token_is_refused_for_its_own_defect() {
    let (app, other_key) = hostile_app().await;
    // The valid base token is verified (and so cached) first: a one-defect neighbour of a
    // cached token must not ride on its cache entry.
    let valid = app.token(&valid_claims());
    app.verifier.verify(&valid).await.unwrap();
    assert_eq!(app.verifier.cached_tokens(), 1);
    let corpus = corpus(&app.key, &other_key);
    let mut wrong = Vec::new();
    for hostile in corpus.iter().filter(|h| h.expected.is_some()) {
        let token = hostile
            .authorization
            .as_deref()
            .unwrap()
            .trim_start_matches("Bearer ");
        let outcome = app.verifier.verify(token).await;
        let expected = hostile.expected.unwrap();
        match &outcome {
            Err(error) if format!("{error:?}").starts_with(expected) => {}
            _ => wrong.push(format!(
                "{}: expected {expected}…, got {outcome:?}",
                hostile.name
            )),
        }
    }
    assert!(
        wrong.is_empty(),
        "{} case(s) refused for the wrong reason:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
    assert_eq!(
        app.verifier.cached_tokens(),
        1,
        "no refused token is cached"
    );
}

#[tokio::test]
async fn every_hostile_token_gets_401_invalid_token_over_http_or_431_when_too_large() {
    let (app, other_key) = hostile_app().await;
    let corpus = corpus(&app.key, &other_key);
    assert!(corpus.len() >= 30, "the corpus has {} tokens", corpus.len());
    for hostile in &corpus {
        let response = app.get_me(hostile.authorization.as_deref()).await;
        if hostile.name == "oversized token" {
            // The server's header limit (SERVER_MAX_HEADER_BYTES, 16 KiB) answers first, as in
            // production; the verifier's own limit is tested without HTTP above.
            assert_problem(response, 431, "request_header_fields_too_large").await;
            continue;
        }
        assert_eq!(response.status(), 401, "{}", hostile.name);
        assert_eq!(
            response.headers().get("www-authenticate").unwrap(),
            "Bearer error=\"invalid_token\"",
            "{}",
            hostile.name
        );
        let body = assert_problem(response, 401, "invalid_token").await;
        // Nothing about the token itself is echoed back.
        assert!(
            !body.to_string().contains("good-key"),
            "{}: {body}",
            hostile.name
        );
    }
    println!("{} hostile tokens refused", corpus.len());
}

#[tokio::test]
async fn a_dot_segment_sub_is_401_where_it_would_have_named_the_authsignal_user() {
    let (app, _) = hostile_app().await;
    for sub in [".", ".."] {
        let token = app.token(&with(|c| {
            c.insert("sub".into(), json!(sub));
        }));
        for (method, path) in [
            (reqwest::Method::GET, "/v1/me/authenticators"),
            (reqwest::Method::DELETE, "/v1/me/authenticators/a-1"),
        ] {
            let response = app
                .http
                .request(method, format!("{}{path}", app.base_url))
                .bearer_auth(&token)
                .send()
                .await
                .unwrap();
            assert_problem(response, 401, "invalid_token").await;
        }
    }
}

#[tokio::test]
async fn leeway_admits_just_expired_tokens_and_no_more() {
    let key = SigningKey::generate("good-key");
    let server = MockServer::start().await;
    serve_jwks(&server, key.jwks()).await;
    let mut config = cognito_config(format!("{}{JWKS_PATH}", server.uri()));
    config.leeway = std::time::Duration::from_secs(30);
    let jwks = cognito_authsignal::auth::JwksCache::new(
        config.jwks_url.clone(),
        reqwest::Client::new(),
        JwksSettings::default(),
    );
    let verifier = cognito_authsignal::auth::CognitoVerifier::new(&config, jwks);
    let now = now();
    let mut within = valid_claims();
    within["exp"] = json!(now - 10);
    within["nbf"] = json!(now + 10);
    within["iat"] = json!(now + 10);
    assert!(verifier.verify(&key.sign_jwt(&within)).await.is_ok());
    let mut beyond = valid_claims();
    beyond["exp"] = json!(now - 31);
    let error = verifier.verify(&key.sign_jwt(&beyond)).await.unwrap_err();
    assert!(
        format!("{error:?}").starts_with("Rejected(Expired"),
        "{error:?}"
    );
}
