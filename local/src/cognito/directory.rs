//! `ListUsers` as Cognito answers it: a filter in Cognito's grammar (`attribute = "value"` or
//! `attribute ^= "prefix"`, the value quoted, `\"` and `\\` escaped), on the attributes Cognito
//! lets one search and this pool has; anything else is `InvalidParameterException`, as Cognito
//! answers it. Pages of at most 60 users, in username order, with an opaque token for the next.

use std::time::UNIX_EPOCH;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};

use super::LocalCognito;
use super::pool::LocalUser;
use super::protocol::CognitoError;

/// Cognito's largest page.
pub const MAX_PAGE: usize = 60;

/// The searchable attributes (Cognito's list) this pool keeps.
const SEARCHABLE: &[&str] = &[
    "username",
    "email",
    "phone_number",
    "name",
    "given_name",
    "family_name",
    "preferred_username",
    "cognito:user_status",
    "status",
    "sub",
];

pub struct ListUsers {
    pub user_pool_id: String,
    pub filter: Option<String>,
    pub limit: usize,
    pub pagination_token: Option<String>,
}

impl ListUsers {
    pub fn decode(body: &Value) -> Result<Self, CognitoError> {
        let user_pool_id = body["UserPoolId"]
            .as_str()
            .ok_or_else(|| CognitoError::missing_parameter("UserPoolId"))?
            .to_owned();
        let limit = match &body["Limit"] {
            Value::Null => MAX_PAGE,
            value => value
                .as_u64()
                .map(|limit| limit as usize)
                .filter(|limit| (1..=MAX_PAGE).contains(limit))
                .ok_or_else(|| {
                    CognitoError::invalid_parameter(
                        "1 validation error detected: Value at 'limit' failed to satisfy constraint: Member must have value less than or equal to 60",
                    )
                })?,
        };
        Ok(ListUsers {
            user_pool_id,
            filter: body["Filter"]
                .as_str()
                .filter(|f| !f.trim().is_empty())
                .map(str::to_owned),
            limit,
            pagination_token: body["PaginationToken"].as_str().map(str::to_owned),
        })
    }
}

#[derive(Debug, PartialEq, Eq)]
struct Filter {
    attribute: String,
    prefix: bool,
    value: String,
}

fn invalid_filter() -> CognitoError {
    CognitoError::invalid_parameter("Error while parsing filter.")
}

/// `attribute = "value"` or `attribute ^= "value"`.
fn parse_filter(filter: &str) -> Result<Filter, CognitoError> {
    let filter = filter.trim();
    let name_end = filter
        .find(|c: char| c.is_whitespace() || c == '=' || c == '^')
        .ok_or_else(invalid_filter)?;
    let attribute = &filter[..name_end];
    let rest = filter[name_end..].trim_start();
    let (prefix, rest) = if let Some(rest) = rest.strip_prefix("^=") {
        (true, rest)
    } else if let Some(rest) = rest.strip_prefix('=') {
        (false, rest)
    } else {
        return Err(invalid_filter());
    };
    let quoted = rest.trim().strip_prefix('"').ok_or_else(invalid_filter)?;
    let mut value = String::new();
    let mut chars = quoted.chars();
    loop {
        match chars.next().ok_or_else(invalid_filter)? {
            '\\' => value.push(chars.next().ok_or_else(invalid_filter)?),
            '"' => break,
            c => value.push(c),
        }
    }
    if !chars.as_str().trim().is_empty() {
        return Err(invalid_filter());
    }
    if !SEARCHABLE.contains(&attribute) {
        return Err(CognitoError::invalid_parameter(format!(
            "Invalid search attribute: {attribute}"
        )));
    }
    Ok(Filter {
        attribute: attribute.to_owned(),
        prefix,
        value,
    })
}

impl Filter {
    fn matches(&self, user: &LocalUser) -> bool {
        let status = if user.confirmed {
            "CONFIRMED"
        } else {
            "UNCONFIRMED"
        };
        let actual = match self.attribute.as_str() {
            // Usernames are case-insensitive in this pool, as in Cognito.
            "username" => Some(user.username.to_lowercase()),
            "sub" => Some(user.sub.clone()),
            "cognito:user_status" => Some(status.to_owned()),
            "status" => Some("Enabled".to_owned()),
            other => user.attributes.get(other).cloned(),
        };
        let wanted = if self.attribute == "username" {
            self.value.to_lowercase()
        } else {
            self.value.clone()
        };
        actual.is_some_and(|actual| {
            if self.prefix {
                actual.starts_with(&wanted)
            } else {
                actual == wanted
            }
        })
    }
}

fn encode_user(user: &LocalUser) -> Value {
    let mut attributes = vec![json!({ "Name": "sub", "Value": user.sub })];
    attributes.extend(
        user.attributes
            .iter()
            .map(|(name, value)| json!({ "Name": name, "Value": value })),
    );
    let created = user
        .created_at
        .duration_since(UNIX_EPOCH)
        .map(|at| at.as_secs_f64())
        .unwrap_or_default();
    json!({
        "Username": user.username,
        "Attributes": attributes,
        "UserCreateDate": created,
        "UserLastModifiedDate": created,
        "Enabled": true,
        "UserStatus": if user.confirmed { "CONFIRMED" } else { "UNCONFIRMED" },
    })
}

impl LocalCognito {
    /// `ListUsers`; the pagination token names the last username of the page before.
    pub(super) fn list_users(&self, request: &ListUsers) -> Result<Value, CognitoError> {
        self.check_pool(&request.user_pool_id)?;
        let filter = request.filter.as_deref().map(parse_filter).transpose()?;
        let after = match &request.pagination_token {
            None => None,
            Some(token) => Some(
                URL_SAFE_NO_PAD
                    .decode(token)
                    .ok()
                    .and_then(|bytes| String::from_utf8(bytes).ok())
                    .ok_or_else(|| CognitoError::invalid_parameter("Invalid pagination token."))?,
            ),
        };
        let state = self.state();
        let mut matching = state
            .pool
            .users_in_order()
            .into_iter()
            .filter(|user| filter.as_ref().is_none_or(|filter| filter.matches(user)))
            .filter(|user| {
                after
                    .as_deref()
                    .is_none_or(|after| user.username.to_lowercase().as_str() > after)
            })
            .peekable();
        let page: Vec<&LocalUser> = matching.by_ref().take(request.limit).collect();
        let mut answer =
            json!({ "Users": page.iter().map(|user| encode_user(user)).collect::<Vec<_>>() });
        if matching.peek().is_some()
            && let Some(last) = page.last()
        {
            answer["PaginationToken"] = json!(URL_SAFE_NO_PAD.encode(last.username.to_lowercase()));
        }
        Ok(answer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_in_cognitos_grammar() {
        assert_eq!(
            parse_filter(r#"email = "jo@example.com""#).unwrap(),
            Filter {
                attribute: "email".into(),
                prefix: false,
                value: "jo@example.com".into()
            }
        );
        assert_eq!(
            parse_filter(r#"username^="jo\"x""#).unwrap(),
            Filter {
                attribute: "username".into(),
                prefix: true,
                value: "jo\"x".into()
            }
        );
        for bad in [
            r#"email = jo@example.com"#,
            r#"email = "jo@example.com" or username = "x""#,
            r#"email == "x""#,
            r#"email = "unterminated"#,
            r#"= "x""#,
        ] {
            let error = parse_filter(bad).unwrap_err();
            assert_eq!(error.kind, "InvalidParameterException", "{bad}");
        }
        let error = parse_filter(r#"custom:tenant = "x""#).unwrap_err();
        assert_eq!(error.kind, "InvalidParameterException");
    }
}
