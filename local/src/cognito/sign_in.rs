//! Sign-in: `InitiateAuth` and `RespondToAuthChallenge` run the custom-auth loop as Cognito does
//! (Define decides, Create makes each custom challenge, Verify judges each answer, with a new
//! single-use `Session` every round); the SRP password step of `CUSTOM_WITH_SRP` is answered by
//! the pool itself. Refresh tokens are exchanged and revoked here too.

use std::time::{Instant, SystemTime, UNIX_EPOCH};

use aws_lambda_events::event::cognito::CognitoEventUserPoolsChallengeResult as SessionEntry;
use serde_json::{Value, json};

use super::issuer::SignedIn;
use super::operations::{
    AdminAddUserToGroup, AdminUpdateUserAttributes, AdminUser, AuthAnswer, AuthenticationResult,
    ClientToken, InitiateAuth, RespondToAuthChallenge, Strings, UserView, parameter,
};
use super::pool::{LocalUser, REFRESH_TOKEN_VALIDITY, RefreshGrant};
use super::protocol::CognitoError;
use super::sessions::{AuthSession, Pending};
use super::srp::{PasswordClaim, PasswordVerifier};
use super::triggers::{EventHeader, Trigger};
use super::{CUSTOM_CHALLENGE, LocalCognito, PASSWORD_VERIFIER, SRP_A};

/// A sign-in between two rounds: whom it is for and what Define has seen.
struct Progress {
    /// The stored username, or the name given when there is no such user.
    username: String,
    client_id: String,
    user_not_found: bool,
    entries: Vec<SessionEntry>,
}

impl LocalCognito {
    pub(super) async fn initiate_auth(
        &self,
        request: InitiateAuth,
    ) -> Result<AuthAnswer, CognitoError> {
        let InitiateAuth {
            client_id,
            flow,
            parameters,
            client_metadata: metadata,
        } = request;
        let client_id = client_id.as_str();
        self.check_client(client_id)?;
        match flow.as_str() {
            "CUSTOM_AUTH" => {}
            "REFRESH_TOKEN_AUTH" | "REFRESH_TOKEN" => {
                let token = parameter(&parameters, "REFRESH_TOKEN")?;
                return self.refresh(client_id, token).map(AuthAnswer::Tokens);
            }
            "USER_SRP_AUTH" | "USER_PASSWORD_AUTH" | "USER_AUTH" => {
                return Err(CognitoError::invalid_parameter(format!(
                    "{flow} flow not enabled for this client"
                )));
            }
            other => {
                return Err(CognitoError::invalid_parameter(format!(
                    "1 validation error detected: Value '{other}' at 'authFlow' failed to satisfy constraint"
                )));
            }
        }
        let username = parameter(&parameters, "USERNAME")?;
        let srp_a = match parameters.get("CHALLENGE_NAME").map(String::as_str) {
            None => None,
            Some(SRP_A) => Some(parameter(&parameters, SRP_A)?),
            Some(_) => {
                return Err(CognitoError::invalid_parameter(
                    "CHALLENGE_NAME must be SRP_A when given.",
                ));
            }
        };
        let (username, user_not_found) = match self.state().pool.user(username) {
            Some(user) if !user.confirmed => return Err(CognitoError::user_not_confirmed()),
            Some(user) => (user.username.clone(), false),
            None if !self.prevent_user_existence_errors => {
                return Err(CognitoError::user_not_found());
            }
            None => (username.to_owned(), true),
        };
        let mut progress = Progress {
            username,
            client_id: client_id.to_owned(),
            user_not_found,
            entries: Vec::new(),
        };
        if srp_a.is_some() {
            // Cognito records the client's SRP_A as the session's first, successful entry.
            progress.entries.push(entry(SRP_A, true, None));
        }
        self.advance(progress, srp_a, &metadata).await
    }

    pub(super) async fn respond_to_auth_challenge(
        &self,
        request: RespondToAuthChallenge,
    ) -> Result<AuthAnswer, CognitoError> {
        let RespondToAuthChallenge {
            client_id,
            challenge_name,
            session: session_id,
            responses,
            client_metadata: metadata,
        } = request;
        self.check_client(&client_id)?;
        let username = parameter(&responses, "USERNAME")?;
        let session = self.state().sessions.take(&session_id, Instant::now())?;
        if session.client_id != client_id {
            return Err(CognitoError::not_authorized(
                "Invalid session for the user.",
            ));
        }
        if challenge_name != session.pending.challenge_name() {
            return Err(CognitoError::invalid_parameter(format!(
                "The session expects an answer to {}.",
                session.pending.challenge_name()
            )));
        }
        if !username.eq_ignore_ascii_case(&session.username) {
            return Err(CognitoError::incorrect_credentials());
        }
        let mut progress = Progress {
            username: session.username,
            client_id: session.client_id,
            user_not_found: session.user_not_found,
            entries: session.entries,
        };
        match session.pending {
            Pending::Custom {
                private_parameters,
                metadata: round_metadata,
            } => {
                let answer = parameter(&responses, "ANSWER")?;
                let user = self.user(&progress);
                let response = self
                    .triggers
                    .invoke(
                        Trigger::VerifyAuthChallengeResponse,
                        &self.header(&progress),
                        json!({
                            "userAttributes": attributes(user.as_ref()),
                            "privateChallengeParameters": private_parameters,
                            "challengeAnswer": answer,
                            "clientMetadata": metadata,
                            "userNotFound": progress.user_not_found,
                        }),
                        json!({ "answerCorrect": false }),
                    )
                    .await?;
                let correct = response["answerCorrect"].as_bool().unwrap_or(false);
                progress
                    .entries
                    .push(entry(CUSTOM_CHALLENGE, correct, round_metadata));
            }
            Pending::PasswordVerifier(challenge) => {
                let claim = PasswordClaim {
                    secret_block_b64: parameter(&responses, "PASSWORD_CLAIM_SECRET_BLOCK")?,
                    timestamp: parameter(&responses, "TIMESTAMP")?,
                    signature_b64: parameter(&responses, "PASSWORD_CLAIM_SIGNATURE")?,
                };
                let proved = !progress.user_not_found
                    && challenge.accepts(&self.pool_name, &progress.username, &claim);
                if !proved {
                    // A wrong password ends the sign-in at once: no challenge, no trigger.
                    return Err(CognitoError::incorrect_credentials());
                }
                progress.entries.push(entry(PASSWORD_VERIFIER, true, None));
            }
        }
        self.advance(progress, None, &metadata).await
    }

    /// `GetTokensFromRefreshToken`, Amplify's way to refresh.
    pub(super) fn get_tokens_from_refresh_token(
        &self,
        request: &ClientToken,
    ) -> Result<AuthenticationResult, CognitoError> {
        self.check_client(&request.client_id)?;
        self.refresh(&request.client_id, &request.token)
    }

    /// `RevokeToken`: the refresh token stops working (Amplify's `signOut`).
    pub(super) fn revoke_token(&self, request: &ClientToken) -> Result<(), CognitoError> {
        self.check_client(&request.client_id)?;
        self.state()
            .pool
            .revoke_refresh_token(&request.token, &request.client_id);
        Ok(())
    }

    /// `AdminUserGlobalSignOut`: every refresh token of the user stops working. The user may be
    /// named by username or `sub`. (Signed by the caller's AWS credentials in Cognito; the local
    /// pool does not check signatures.)
    pub(super) fn admin_user_global_sign_out(&self, user: &AdminUser) -> Result<(), CognitoError> {
        self.check_pool(&user.user_pool_id)?;
        let mut state = self.state();
        let username = state
            .pool
            .user_by_name_or_sub(&user.username)
            .map(|user| user.username.clone())
            .ok_or_else(CognitoError::user_not_found)?;
        let revoked = state.pool.revoke_all_refresh_tokens(&username);
        tracing::info!(revoked, "local user signed out everywhere");
        Ok(())
    }

    /// `AdminAddUserToGroup`: the user's next tokens carry the group in `cognito:groups`. The
    /// user may be named by username or `sub`; the group must exist (`dev` creates the admin
    /// group). Signed by the caller's AWS credentials in Cognito; not checked here.
    pub(super) fn admin_add_user_to_group(
        &self,
        request: &AdminAddUserToGroup,
    ) -> Result<(), CognitoError> {
        self.check_pool(&request.user.user_pool_id)?;
        self.state()
            .pool
            .add_user_to_group(&request.user.username, &request.group)
    }

    /// The `UserPoolId` of an admin operation must be this pool.
    pub(super) fn check_pool(&self, pool_id: &str) -> Result<(), CognitoError> {
        if pool_id != self.user_pool_id {
            return Err(CognitoError::resource_not_found(format!(
                "User pool {pool_id} does not exist."
            )));
        }
        Ok(())
    }

    /// `AdminGetUser`: the user's attributes (with `sub`) and status, by username or `sub`.
    pub(super) fn admin_get_user(&self, request: &AdminUser) -> Result<UserView, CognitoError> {
        self.check_pool(&request.user_pool_id)?;
        let state = self.state();
        let user = state
            .pool
            .user_by_name_or_sub(&request.username)
            .ok_or_else(CognitoError::user_not_found)?;
        Ok(UserView {
            username: user.username.clone(),
            sub: user.sub.clone(),
            attributes: user.attributes.clone(),
            confirmed: user.confirmed,
        })
    }

    /// `AdminUpdateUserAttributes` (what Verify calls to mark a proved contact verified). The
    /// user may be named by username or `sub`. Signed by the caller's AWS credentials in Cognito;
    /// not checked here.
    pub(super) fn admin_update_user_attributes(
        &self,
        request: AdminUpdateUserAttributes,
    ) -> Result<(), CognitoError> {
        self.check_pool(&request.user.user_pool_id)?;
        self.state()
            .pool
            .update_attributes(&request.user.username, request.attributes)?;
        tracing::info!("local user's attributes updated");
        Ok(())
    }

    /// Asks Define what comes next and does it: another challenge (through Create, or the SRP
    /// step), tokens, or the end of the sign-in.
    async fn advance(
        &self,
        progress: Progress,
        srp_a: Option<&str>,
        metadata: &Strings,
    ) -> Result<AuthAnswer, CognitoError> {
        let user = self.user(&progress);
        let header = self.header(&progress);
        let session = serde_json::to_value(&progress.entries)
            .map_err(|error| CognitoError::serialization(error.to_string()))?;
        let define = self
            .triggers
            .invoke(
                Trigger::DefineAuthChallenge,
                &header,
                json!({
                    "userAttributes": attributes(user.as_ref()),
                    "session": session,
                    "clientMetadata": metadata,
                    "userNotFound": progress.user_not_found,
                }),
                json!({ "challengeName": null, "issueTokens": false, "failAuthentication": false }),
            )
            .await?;
        if define["failAuthentication"].as_bool() == Some(true) {
            return Err(CognitoError::incorrect_credentials());
        }
        if define["issueTokens"].as_bool() == Some(true) {
            return match &user {
                Some(user) => Ok(AuthAnswer::Tokens(self.complete(user, &progress.client_id))),
                None => Err(CognitoError::incorrect_credentials()),
            };
        }
        match define["challengeName"].as_str() {
            Some(CUSTOM_CHALLENGE) => {
                let create = self
                    .triggers
                    .invoke(
                        Trigger::CreateAuthChallenge,
                        &header,
                        json!({
                            "userAttributes": attributes(user.as_ref()),
                            "challengeName": CUSTOM_CHALLENGE,
                            "session": session,
                            "clientMetadata": metadata,
                            "userNotFound": progress.user_not_found,
                        }),
                        json!({
                            "publicChallengeParameters": {},
                            "privateChallengeParameters": {},
                            "challengeMetadata": null,
                        }),
                    )
                    .await?;
                let mut public = strings(&create["publicChallengeParameters"])?;
                let private_parameters = strings(&create["privateChallengeParameters"])?
                    .into_iter()
                    .collect();
                public.insert("USERNAME".into(), progress.username.clone());
                let pending = Pending::Custom {
                    private_parameters,
                    metadata: create["challengeMetadata"].as_str().map(str::to_owned),
                };
                Ok(self.open_round(progress, pending, public))
            }
            Some(PASSWORD_VERIFIER) => {
                let Some(srp_a) = srp_a else {
                    return Err(CognitoError::invalid_trigger_response(
                        "PASSWORD_VERIFIER can only follow SRP_A.",
                    ));
                };
                // An unknown user gets a challenge no password answers, like any other.
                let verifier = user.as_ref().map_or_else(
                    || PasswordVerifier::random(&self.pool_name),
                    |user| user.password.clone(),
                );
                let challenge = verifier
                    .challenge(srp_a)
                    .ok_or_else(|| CognitoError::invalid_parameter("SRP_A is not valid."))?;
                let public = Strings::from_iter([
                    ("SALT".to_owned(), challenge.salt_hex.clone()),
                    ("SRP_B".to_owned(), challenge.srp_b_hex.clone()),
                    ("SECRET_BLOCK".to_owned(), challenge.secret_block_b64()),
                    ("USER_ID_FOR_SRP".to_owned(), progress.username.clone()),
                    ("USERNAME".to_owned(), progress.username.clone()),
                ]);
                Ok(self.open_round(progress, Pending::PasswordVerifier(challenge), public))
            }
            _ => Err(CognitoError::invalid_trigger_response(
                "Invalid lambda function output : DefineAuthChallenge named no next step.",
            )),
        }
    }

    fn open_round(&self, progress: Progress, pending: Pending, parameters: Strings) -> AuthAnswer {
        let challenge_name = pending.challenge_name();
        let session = AuthSession {
            username: progress.username,
            client_id: progress.client_id,
            user_not_found: progress.user_not_found,
            entries: progress.entries,
            pending,
        };
        let session = self.state().sessions.open(session, Instant::now());
        AuthAnswer::Challenge {
            name: challenge_name,
            session,
            parameters,
        }
    }

    /// A completed sign-in: access, ID and refresh tokens.
    fn complete(&self, user: &LocalUser, client_id: &str) -> AuthenticationResult {
        let auth_time = unix_now();
        let origin_jti = uuid::Uuid::new_v4().to_string();
        let tokens = self.issuer.sign_in_tokens(&SignedIn {
            sub: &user.sub,
            username: &user.username,
            client_id,
            auth_time,
            origin_jti: &origin_jti,
            attributes: &user.attributes,
            groups: &user.groups,
        });
        let refresh_token = self.state().pool.issue_refresh_token(RefreshGrant {
            username: user.username.clone(),
            client_id: client_id.to_owned(),
            auth_time,
            origin_jti,
            expires_at: SystemTime::now() + REFRESH_TOKEN_VALIDITY,
        });
        tracing::info!("local sign-in complete");
        AuthenticationResult {
            access_token: tokens.access_token,
            id_token: tokens.id_token,
            expires_in: tokens.expires_in,
            refresh_token: Some(refresh_token),
        }
    }

    /// New access and ID tokens for the sign-in a refresh token continues (same `auth_time`
    /// and `origin_jti`, as Cognito keeps them).
    fn refresh(&self, client_id: &str, token: &str) -> Result<AuthenticationResult, CognitoError> {
        let (grant, user) = {
            let state = self.state();
            let grant = state.pool.refresh_grant(token, client_id)?;
            let user = state
                .pool
                .user(&grant.username)
                .cloned()
                .ok_or_else(|| CognitoError::not_authorized("Invalid Refresh Token"))?;
            (grant, user)
        };
        let tokens = self.issuer.sign_in_tokens(&SignedIn {
            sub: &user.sub,
            username: &user.username,
            client_id,
            auth_time: grant.auth_time,
            origin_jti: &grant.origin_jti,
            attributes: &user.attributes,
            groups: &user.groups,
        });
        Ok(AuthenticationResult {
            access_token: tokens.access_token,
            id_token: tokens.id_token,
            expires_in: tokens.expires_in,
            refresh_token: None,
        })
    }

    fn user(&self, progress: &Progress) -> Option<LocalUser> {
        if progress.user_not_found {
            return None;
        }
        self.state().pool.user(&progress.username).cloned()
    }

    fn header<'a>(&'a self, progress: &'a Progress) -> EventHeader<'a> {
        EventHeader {
            region: &self.region,
            user_pool_id: &self.user_pool_id,
            client_id: &progress.client_id,
            user_name: &progress.username,
        }
    }
}

fn entry(name: &str, result: bool, metadata: Option<String>) -> SessionEntry {
    let mut entry = SessionEntry::default();
    entry.challenge_name = Some(name.to_owned());
    entry.challenge_result = result;
    entry.challenge_metadata = metadata;
    entry
}

/// `userAttributes` for a trigger: none for an unknown user.
fn attributes(user: Option<&LocalUser>) -> Value {
    user.map_or_else(|| json!({}), |user| json!(user.trigger_attributes()))
}

/// A trigger's string map, as Cognito insists (a number or object is an invalid answer).
fn strings(value: &Value) -> Result<Strings, CognitoError> {
    let invalid = || {
        CognitoError::invalid_trigger_response(
            "Invalid lambda function output : challenge parameters must be strings.",
        )
    };
    match value {
        Value::Null => Ok(Strings::new()),
        Value::Object(map) => map
            .iter()
            .map(|(name, value)| Ok((name.clone(), value.as_str().ok_or_else(invalid)?.to_owned())))
            .collect(),
        _ => Err(invalid()),
    }
}

fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}
