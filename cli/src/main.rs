//! The `cognito-authsignal` command: `serve` (the API from the environment), `dev` (the local
//! stack, when built with the `dev` feature), `openapi` (the document).

use std::net::SocketAddr;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use cognito_authsignal::app::{self, Settings};
use cognito_authsignal::telemetry::{self, LogFormat};

/// Manage Authsignal authenticators for Amazon Cognito users.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the local stack (user pool, Authsignal emulator, API) on one loopback port, no
    /// configuration needed.
    #[cfg(feature = "dev")]
    Dev {
        #[arg(long, default_value_t = 3000)]
        port: u16,
        /// Also run the AWS integrations (replay table, event bus, session revocation) against
        /// a moto_server started for the purpose (MOTO_SERVER, .venv/bin/moto_server or PATH).
        #[arg(long)]
        aws_local: bool,
    },
    /// Run the API configured from the environment (COGNITO_USER_POOL_ID, COGNITO_CLIENT_IDS, ...).
    Serve {
        #[arg(long, default_value = "127.0.0.1:8080")]
        addr: SocketAddr,
    },
    /// Print the OpenAPI document (what `openapi/openapi.json` must contain).
    Openapi,
}

#[tokio::main]
async fn main() -> ExitCode {
    let outcome: Result<(), Box<dyn std::error::Error>> = match Cli::parse().command {
        Command::Openapi => {
            println!("{}", cognito_authsignal::api::openapi_json());
            Ok(())
        }
        #[cfg(feature = "dev")]
        Command::Dev { port, aws_local } => {
            telemetry::init(LogFormat::Pretty);
            cognito_authsignal_cli::dev::run(port, aws_local)
                .await
                .map_err(Into::into)
        }
        Command::Serve { addr } => {
            telemetry::init(LogFormat::Json);
            match Settings::from_env() {
                Ok(settings) => app::serve(addr, &settings).await.map_err(Into::into),
                Err(error) => Err(error.into()),
            }
        }
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}
