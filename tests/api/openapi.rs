//! The checked-in OpenAPI document is what the code generates, and its operations are exactly
//! the routes the router serves.

use std::collections::BTreeSet;

use cognito_authsignal::api::{self, Surface};
use reqwest::Method;
use serde_json::Value;

use crate::helpers::*;

fn checked_in() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/openapi/openapi.json");
    serde_json::from_str(&std::fs::read_to_string(path).expect("openapi/openapi.json exists"))
        .unwrap()
}

/// `(METHOD, /path/{param})` for every operation in a document.
pub fn operations(document: &Value) -> BTreeSet<(String, String)> {
    document["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(path, item)| {
            item.as_object()
                .unwrap()
                .keys()
                .map(move |method| (method.to_uppercase(), path.clone()))
        })
        .collect()
}

#[test]
fn the_checked_in_document_matches_the_code() {
    let generated: Value = serde_json::from_str(&api::openapi_json()).unwrap();
    assert!(
        generated == checked_in(),
        "openapi/openapi.json is stale: run `make openapi` (cognito-authsignal openapi > openapi/openapi.json)"
    );
    assert_eq!(generated["openapi"], "3.1.0");
}

#[test]
fn every_operation_is_secured_and_documents_its_problems() {
    let document = checked_in();
    assert_eq!(
        document["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
    for (method, path) in operations(&document) {
        let operation = &document["paths"][&path][method.to_lowercase()];
        assert_eq!(
            operation["security"][0]["bearer"],
            serde_json::json!([]),
            "{method} {path}"
        );
        let responses = operation["responses"].as_object().unwrap();
        for status in ["401", "503"] {
            let schema =
                &responses[status]["content"]["application/problem+json"]["schema"]["$ref"];
            assert_eq!(
                schema, "#/components/schemas/Problem",
                "{method} {path} {status}"
            );
        }
        for (status, response) in responses {
            if status.starts_with('4') || status.starts_with('5') {
                assert!(
                    response["content"]["application/problem+json"].is_object(),
                    "{method} {path} {status}"
                );
            }
        }
    }
}

#[test]
fn the_lambda_surfaces_split_the_document_without_overlap() {
    let doc = |surface| serde_json::to_value(api::api_routes(surface).split_for_parts().1).unwrap();
    let account = operations(&doc(Surface::Account));
    let admin = operations(&doc(Surface::Admin));
    assert!(account.iter().all(|(_, path)| path.starts_with("/v1/me")));
    assert!(admin.iter().all(|(_, path)| path.starts_with("/v1/admin/")));
    let union: BTreeSet<_> = account.union(&admin).cloned().collect();
    assert_eq!(union, operations(&checked_in()));
}

#[tokio::test]
async fn every_documented_operation_is_routed_and_nothing_else_is() {
    let stack = Stack::start().await;
    let token = stack.token("u-spec", &[], 60);
    for (method, path) in operations(&checked_in()) {
        let concrete = path
            .replace("{authenticatorId}", "some-id")
            .replace("{userId}", "some-user");
        let response = stack
            .call(
                method.parse().unwrap(),
                &concrete,
                &token,
                Some(serde_json::json!({})),
            )
            .await;
        let body: Value = response.json().await.unwrap_or(Value::Null);
        assert_ne!(
            body["code"], "method_not_allowed",
            "{method} {path} is not routed"
        );
        assert_ne!(
            body["detail"], "No route matches this path.",
            "{method} {path} is not routed"
        );
    }
    // A method the document does not list for a path is refused.
    let undocumented = stack
        .call(Method::PATCH, "/v1/me/authenticators", &token, None)
        .await;
    assert_problem(undocumented, 405, "method_not_allowed").await;
}

#[tokio::test]
async fn the_server_serves_the_same_document() {
    let stack = Stack::start().await;
    let served: Value = stack
        .http
        .get(format!("{}/openapi.json", stack.base_url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(served, checked_in());
}
