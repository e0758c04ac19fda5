//! The user pool as the help desk reaches it: finding users (`GET /v1/admin/users`) by email or
//! username, exactly or by prefix, a page at a time, and signing a user out everywhere (a
//! reset), and finding one user by `sub` (whom a change notice goes to). The query is checked
//! before a filter is built from it, so nothing a caller sends can change the filter's shape.

pub mod cognito;

use async_trait::async_trait;

/// Cognito's largest `ListUsers` page.
pub const MAX_PAGE_SIZE: u8 = 60;
/// Longest search value and pagination token accepted.
pub const MAX_VALUE_CHARS: usize = 256;
pub const MAX_PAGINATION_TOKEN_CHARS: usize = 4096;

/// The attribute searched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SearchAttribute {
    Email,
    Username,
    /// Not offered to the help desk; the change notifier finds a user by it.
    Sub,
}

impl SearchAttribute {
    fn cognito_name(self) -> &'static str {
        match self {
            SearchAttribute::Email => "email",
            SearchAttribute::Username => "username",
            SearchAttribute::Sub => "sub",
        }
    }
}

/// A checked search: see [`UserQuery::new`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserQuery {
    attribute: SearchAttribute,
    value: String,
    prefix: bool,
    limit: u8,
    pagination_token: Option<String>,
}

/// Why a search was refused before it reached the pool.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QueryError {
    #[error(
        "the value must be 1-{MAX_VALUE_CHARS} characters without quotes, backslashes or control characters"
    )]
    Value,
    #[error("limit must be 1-{MAX_PAGE_SIZE}")]
    Limit,
    #[error("the pagination token is not one this service handed out")]
    PaginationToken,
}

impl UserQuery {
    /// `value` may not hold `"`, `\` or control characters (Cognito's filter quotes the value;
    /// refusing them beats escaping them right), `limit` is 1-60, a pagination token is
    /// printable ASCII of bounded length.
    pub fn new(
        attribute: SearchAttribute,
        value: &str,
        prefix: bool,
        limit: u8,
        pagination_token: Option<String>,
    ) -> Result<Self, QueryError> {
        let value_ok = !value.is_empty()
            && value.chars().count() <= MAX_VALUE_CHARS
            && !value
                .chars()
                .any(|c| c == '"' || c == '\\' || c.is_control());
        if !value_ok {
            return Err(QueryError::Value);
        }
        if !(1..=MAX_PAGE_SIZE).contains(&limit) {
            return Err(QueryError::Limit);
        }
        if let Some(token) = &pagination_token
            && (token.is_empty()
                || token.len() > MAX_PAGINATION_TOKEN_CHARS
                || !token.bytes().all(|b| b.is_ascii_graphic()))
        {
            return Err(QueryError::PaginationToken);
        }
        Ok(UserQuery {
            attribute,
            value: value.to_owned(),
            prefix,
            limit,
            pagination_token,
        })
    }

    /// Cognito's `ListUsers` filter, e.g. `email = "jane@example.com"` or `username ^= "ja"`.
    pub fn filter(&self) -> String {
        let operator = if self.prefix { "^=" } else { "=" };
        format!(
            "{} {operator} \"{}\"",
            self.attribute.cognito_name(),
            self.value
        )
    }

    /// The value searched for.
    pub fn value(&self) -> &str {
        &self.value
    }

    pub fn limit(&self) -> u8 {
        self.limit
    }

    pub fn pagination_token(&self) -> Option<&str> {
        self.pagination_token.as_deref()
    }
}

/// One user as the pool describes them (contacts in full: the API masks them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirectoryUser {
    pub sub: String,
    pub username: String,
    /// `CONFIRMED`, `UNCONFIRMED`, `FORCE_CHANGE_PASSWORD`, ...
    pub status: String,
    pub enabled: bool,
    /// RFC 3339.
    pub created_at: Option<String>,
    pub email: Option<String>,
    /// `email_verified` is `true`: the user proved they receive mail there.
    pub email_verified: bool,
    pub phone_number: Option<String>,
    /// `phone_number_verified` is `true`: the user proved they receive texts there.
    pub phone_number_verified: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct UserPage {
    pub users: Vec<DirectoryUser>,
    /// For the next page, when there is one.
    pub pagination_token: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum DirectoryError {
    /// The pool refused the request (a stale or foreign pagination token).
    #[error("the user pool refused the search: {0}")]
    Refused(String),
    #[error("the user pool could not be reached: {0}")]
    Unavailable(String),
    /// The pool has no such user.
    #[error("no such user in the pool")]
    UnknownUser,
}

/// The user pool, for the help desk.
#[async_trait]
pub trait UserDirectory: Send + Sync {
    async fn find_users(&self, query: &UserQuery) -> Result<UserPage, DirectoryError>;
    /// Revokes every refresh token of the user named by `sub` (a global sign-out).
    async fn sign_out_everywhere(&self, sub: &str) -> Result<(), DirectoryError>;

    /// The user whose `sub` this is: an exact search on the `sub` attribute.
    async fn user_by_sub(&self, sub: &str) -> Result<DirectoryUser, DirectoryError> {
        let query = UserQuery::new(SearchAttribute::Sub, sub, false, 1, None)
            .map_err(|_| DirectoryError::UnknownUser)?;
        self.find_users(&query)
            .await?
            .users
            .into_iter()
            .find(|user| user.sub == sub)
            .ok_or(DirectoryError::UnknownUser)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_checked_query_makes_a_filter_of_one_fixed_shape() {
        let query =
            UserQuery::new(SearchAttribute::Email, "jane@example.com", false, 20, None).unwrap();
        assert_eq!(query.filter(), r#"email = "jane@example.com""#);
        let query = UserQuery::new(SearchAttribute::Username, "ja", true, 60, None).unwrap();
        assert_eq!(query.filter(), r#"username ^= "ja""#);
    }

    #[test]
    fn values_that_could_reshape_the_filter_and_oversized_pages_are_refused() {
        for value in [
            "",
            r#"x" or email ^= ""#,
            r#"a\"#,
            "line\nbreak",
            &"a".repeat(MAX_VALUE_CHARS + 1),
        ] {
            assert_eq!(
                UserQuery::new(SearchAttribute::Email, value, false, 20, None),
                Err(QueryError::Value),
                "{value:?}"
            );
        }
        for limit in [0, MAX_PAGE_SIZE + 1] {
            assert_eq!(
                UserQuery::new(SearchAttribute::Email, "a", false, limit, None),
                Err(QueryError::Limit)
            );
        }
        for token in [
            "",
            "with space",
            &"t".repeat(MAX_PAGINATION_TOKEN_CHARS + 1),
        ] {
            assert_eq!(
                UserQuery::new(
                    SearchAttribute::Email,
                    "a",
                    false,
                    1,
                    Some(token.to_owned())
                ),
                Err(QueryError::PaginationToken)
            );
        }
    }
}
