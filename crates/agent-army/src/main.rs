//! The `agent-army` binary: command-line interface, configuration, logging and wiring.

mod cli;
mod commands;
mod config;
mod telemetry;

use std::process::ExitCode;

use clap::Parser;

use crate::cli::{Cli, Command};
use crate::config::Config;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let config = match Config::load(&cli) {
        Ok(config) => config,
        Err(e) => {
            eprintln!("error: {e:#}");
            return ExitCode::from(2);
        }
    };
    telemetry::init(&config.log);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let outcome = runtime.block_on(async {
        match &cli.command {
            Command::Serve(args) => commands::serve::run(&config, args).await,
            Command::Migrate => commands::migrate::run(&config).await,
            Command::Tenant(command) => commands::tenant::run(&config, command).await,
            Command::Apikey(command) => commands::apikey::run(&config, command).await,
            Command::User(command) => commands::user::run(&config, command).await,
            Command::Ingest(args) => commands::knowledge::ingest(&config, args).await,
            Command::Search(args) => commands::knowledge::search(&config, args).await,
            Command::Ask(args) => commands::knowledge::ask(&config, args).await,
            Command::Catalog(args) => commands::catalog::load(&config, args).await,
            Command::Qualify(args) => commands::qualify::run(&config, args).await,
            Command::Demo => commands::demo::run(&config).await,
        }
    });
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
