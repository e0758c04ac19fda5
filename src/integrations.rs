//! Wires the API's ports to their adapters: the step-up replay store, the sign-outs, the
//! change-event publisher and the session revoker. With nothing configured everything stays in process and no
//! AWS client is built at all; each AWS adapter is built once per process from the default
//! credential chain and region (`AWS_ENDPOINT_URL` and `AWS_ENDPOINT_URL_<SERVICE>` are honoured
//! by the SDK, for local stand-ins), with timeouts and bounded retries that fit well inside API
//! Gateway's 29 s.

use std::sync::Arc;
use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, SdkConfig};

use crate::config::IntegrationsConfig;
use crate::directory::UserDirectory;
use crate::directory::cognito::CognitoDirectory;
use crate::events::ChangePublisher;
use crate::events::eventbridge::EventBridgePublisher;
use crate::replay::dynamodb::DynamoDbReplayStore;
use crate::replay::{MemoryReplayStore, ReplayStore};
use crate::revocation::cognito::CognitoSessionRevoker;
use crate::revocation::dynamodb::DynamoDbSignOuts;
use crate::revocation::{MemorySignOuts, SessionRevoker, SignOuts};

/// The adapters behind the API's ports.
#[derive(Clone)]
pub struct Integrations {
    pub replay: Arc<dyn ReplayStore>,
    /// Each user's last sign-out everywhere (in the replay table when there is one).
    pub sign_outs: Arc<dyn SignOuts>,
    /// `None`: change events are only logged.
    pub changes: Option<Arc<dyn ChangePublisher>>,
    /// `None`: sessions are left alone on removal.
    pub revoker: Option<Arc<dyn SessionRevoker>>,
    /// `None`: the help desk cannot search the user pool.
    pub directory: Option<Arc<dyn UserDirectory>>,
}

impl Default for Integrations {
    /// Everything in process: in-memory replay store and sign-outs, no events, no revocation.
    fn default() -> Self {
        Integrations {
            replay: Arc::new(MemoryReplayStore::default()),
            sign_outs: Arc::new(MemorySignOuts::default()),
            changes: None,
            revoker: None,
            directory: None,
        }
    }
}

/// One client per AWS service the integrations use.
#[derive(Clone)]
pub struct AwsClients {
    pub dynamodb: aws_sdk_dynamodb::Client,
    pub eventbridge: aws_sdk_eventbridge::Client,
    pub cognito: aws_sdk_cognitoidentityprovider::Client,
}

impl AwsClients {
    pub fn new(sdk: &SdkConfig) -> Self {
        AwsClients {
            dynamodb: aws_sdk_dynamodb::Client::new(sdk),
            eventbridge: aws_sdk_eventbridge::Client::new(sdk),
            cognito: aws_sdk_cognitoidentityprovider::Client::new(sdk),
        }
    }
}

/// The SDK configuration every client of the API shares: the default provider chain
/// (environment, Lambda's role) with our timeouts: 1 s to connect, 2 s per attempt, 3 attempts,
/// 6 s in all.
pub async fn sdk_config() -> SdkConfig {
    sdk_config_within(Duration::from_secs(6), 3).await
}

/// The sign-in triggers' SDK configuration: Cognito waits 5 s for a trigger, and Verify's calls
/// to the user pool and the event bus come after Authsignal's, so each has 1.5 s in all.
pub async fn trigger_sdk_config() -> SdkConfig {
    sdk_config_within(Duration::from_millis(1_500), 2).await
}

async fn sdk_config_within(total: Duration, attempts: u32) -> SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(Duration::from_secs(1).min(total))
                .operation_attempt_timeout(Duration::from_secs(2).min(total))
                .operation_timeout(total)
                .build(),
        )
        .retry_config(RetryConfig::standard().with_max_attempts(attempts))
        .load()
        .await
}

impl Integrations {
    /// What `config` asks for; builds AWS clients only when an integration is on.
    pub async fn from_config(config: &IntegrationsConfig, user_pool_id: &str) -> Self {
        if !config.uses_aws() {
            return Integrations::default();
        }
        // Boxed: the SDK's config loader is a large future, and unboxed it would make every
        // caller's future (and `serve`'s main-thread stack) that large even with AWS off.
        let clients = AwsClients::new(&Box::pin(sdk_config()).await);
        Integrations::with_clients(config, user_pool_id, &clients)
    }

    /// What `config` asks for, with the given clients (tests and `dev --aws-local` point them
    /// at local stand-ins).
    pub fn with_clients(
        config: &IntegrationsConfig,
        user_pool_id: &str,
        clients: &AwsClients,
    ) -> Self {
        let (replay, sign_outs): (Arc<dyn ReplayStore>, Arc<dyn SignOuts>) =
            match &config.replay_table {
                Some(table) => (
                    Arc::new(DynamoDbReplayStore::new(clients.dynamodb.clone(), table)),
                    Arc::new(DynamoDbSignOuts::new(clients.dynamodb.clone(), table)),
                ),
                None => (
                    Arc::new(MemoryReplayStore::default()),
                    Arc::new(MemorySignOuts::default()),
                ),
            };
        let changes = config.event_bus.as_ref().map(|bus| {
            Arc::new(EventBridgePublisher::new(
                clients.eventbridge.clone(),
                bus,
                &config.event_source,
            )) as Arc<dyn ChangePublisher>
        });
        let revoker = config.revoke_sessions_on_removal.then(|| {
            Arc::new(CognitoSessionRevoker::new(
                clients.cognito.clone(),
                user_pool_id,
            )) as Arc<dyn SessionRevoker>
        });
        let directory = config.admin_user_search.then(|| {
            Arc::new(CognitoDirectory::new(clients.cognito.clone(), user_pool_id))
                as Arc<dyn UserDirectory>
        });
        Integrations {
            replay,
            sign_outs,
            changes,
            revoker,
            directory,
        }
    }
}
