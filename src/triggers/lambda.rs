//! Lambda entry points for the four triggers. Each `functions/<trigger>` crate calls one `run_*`:
//! configuration and the Authsignal client are built once, before the invocation loop. The
//! services are public so tests drive exactly what Lambda drives.

use std::convert::Infallible;
use std::sync::Arc;

use lambda_runtime::{LambdaEvent, Service, service_fn};

use super::define::define_auth_challenge;
use super::pre_sign_up::pre_sign_up;
use super::{
    CreateAuthChallengeEvent, DefineAuthChallengeEvent, PreSignUpEvent, SignInChallenge,
    TriggerError, VerifyAuthChallengeEvent,
};
use crate::config::{SignInConfig, TriggerConfig};
use crate::events::ChangePublisher;
use crate::events::eventbridge::EventBridgePublisher;
use crate::integrations;
use crate::secrets;
use crate::telemetry::{self, LogFormat};
use crate::verified_contacts::cognito::CognitoContactVerifier;

pub use lambda_runtime::Error;

/// Define auth challenge as a Lambda service: needs only the sign-in policy.
pub fn define_auth_challenge_service(
    policy: SignInConfig,
) -> impl Service<
    LambdaEvent<DefineAuthChallengeEvent>,
    Response = DefineAuthChallengeEvent,
    Error = Infallible,
> {
    service_fn(move |event: LambdaEvent<DefineAuthChallengeEvent>| {
        let decided = define_auth_challenge(&policy, event.payload);
        async move { Ok(decided) }
    })
}

/// Create auth challenge as a Lambda service.
pub fn create_auth_challenge_service(
    challenge: SignInChallenge,
) -> impl Service<
    LambdaEvent<CreateAuthChallengeEvent>,
    Response = CreateAuthChallengeEvent,
    Error = TriggerError,
> {
    service_fn(move |event: LambdaEvent<CreateAuthChallengeEvent>| {
        let challenge = challenge.clone();
        async move { challenge.create_auth_challenge(event.payload).await }
    })
}

/// Verify auth challenge response as a Lambda service: never an error.
pub fn verify_auth_challenge_response_service(
    challenge: SignInChallenge,
) -> impl Service<
    LambdaEvent<VerifyAuthChallengeEvent>,
    Response = VerifyAuthChallengeEvent,
    Error = Infallible,
> {
    service_fn(move |event: LambdaEvent<VerifyAuthChallengeEvent>| {
        let challenge = challenge.clone();
        async move {
            Ok(challenge
                .verify_auth_challenge_response(event.payload)
                .await)
        }
    })
}

/// Pre sign-up as a Lambda service: no configuration at all.
pub fn pre_sign_up_service()
-> impl Service<LambdaEvent<PreSignUpEvent>, Response = PreSignUpEvent, Error = Infallible> {
    service_fn(|event: LambdaEvent<PreSignUpEvent>| async move { Ok(pre_sign_up(event.payload)) })
}

/// `functions/define-auth-challenge` (no Authsignal secret needed).
pub async fn run_define_auth_challenge() -> Result<(), Error> {
    telemetry::init(LogFormat::Json);
    let policy = SignInConfig::from_env().inspect_err(bad_configuration)?;
    lambda_runtime::run(define_auth_challenge_service(policy)).await
}

/// `functions/create-auth-challenge`.
pub async fn run_create_auth_challenge() -> Result<(), Error> {
    telemetry::init(LogFormat::Json);
    let config = trigger_config_from_env().await?;
    lambda_runtime::run(create_auth_challenge_service(SignInChallenge::from_config(
        &config,
    )))
    .await
}

/// `functions/verify-auth-challenge-response`: Authsignal, plus the user pool (to mark a proved
/// contact verified, with the pool and user named by each event) and, with `EVENT_BUS_NAME`,
/// EventBridge.
pub async fn run_verify_auth_challenge_response() -> Result<(), Error> {
    telemetry::init(LogFormat::Json);
    let config = trigger_config_from_env().await?;
    // Boxed: the SDK's config loader is a large future (see `Integrations::from_config`).
    let sdk = Box::pin(integrations::trigger_sdk_config()).await;
    let contacts = CognitoContactVerifier::new(aws_sdk_cognitoidentityprovider::Client::new(&sdk));
    let changes = config.integrations.event_bus.as_ref().map(|bus| {
        Arc::new(EventBridgePublisher::new(
            aws_sdk_eventbridge::Client::new(&sdk),
            bus,
            &config.integrations.event_source,
        )) as Arc<dyn ChangePublisher>
    });
    let challenge = SignInChallenge::from_config(&config)
        .with_contacts(Arc::new(contacts))
        .with_changes(changes);
    lambda_runtime::run(verify_auth_challenge_response_service(challenge)).await
}

/// `functions/pre-sign-up`.
pub async fn run_pre_sign_up() -> Result<(), Error> {
    telemetry::init(LogFormat::Json);
    lambda_runtime::run(pre_sign_up_service()).await
}

/// The configuration, with the Authsignal secret read from Secrets Manager at cold start.
async fn trigger_config_from_env() -> Result<TriggerConfig, Error> {
    let environment = secrets::environment()
        .await
        .inspect_err(|error| tracing::error!(%error, "the Authsignal secret is unavailable"))?;
    Ok(TriggerConfig::from_lookup(environment).inspect_err(bad_configuration)?)
}

fn bad_configuration(error: &crate::config::ConfigError) {
    tracing::error!(%error, "bad configuration");
}
