//! `bootstrap`: the executable Lambda starts for a custom runtime (provided.al2023).

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use apr_wine_lambda::cli::{self, Command, EXIT_INVALID_MODEL, EXIT_REFUSED, EXIT_USAGE};
use apr_wine_lambda::contract::{INVALID_INPUT_ERROR_TYPE, INVALID_MODEL_ERROR_TYPE};
use apr_wine_lambda::handler::{Handler, Outcome, error_document};
use apr_wine_lambda::load::{ModelSource, load_model};
use apr_wine_lambda::model::ModelError;
use apr_wine_lambda::runtime_api::{RuntimeApi, serve};

fn main() -> ExitCode {
    // Configuration enters here and only here.
    let model_path = std::env::var_os("APR_MODEL_PATH").map(PathBuf::from);
    let runtime_api = std::env::var("AWS_LAMBDA_RUNTIME_API").ok();
    match cli::parse_args(std::env::args_os().skip(1).collect()) {
        Command::Help => {
            print!("{}", cli::HELP);
            ExitCode::SUCCESS
        }
        Command::Usage(problem) => {
            eprint!("bootstrap: {problem}\n\n{}", cli::HELP);
            ExitCode::from(EXIT_USAGE)
        }
        Command::Event(event) => answer_once(&event, model_path.as_deref()),
        Command::EventFromStdin => match cli::read_stdin() {
            Ok(event) => answer_once(&event, model_path.as_deref()),
            Err(error) => {
                eprintln!("bootstrap: cannot read the event from stdin: {error}");
                ExitCode::from(EXIT_USAGE)
            }
        },
        Command::Serve => match runtime_api {
            Some(authority) if !authority.is_empty() => serve_lambda(&authority, model_path.as_deref()),
            _ => {
                eprint!("bootstrap: AWS_LAMBDA_RUNTIME_API is not set; outside Lambda use --event\n\n{}", cli::HELP);
                ExitCode::from(EXIT_USAGE)
            }
        },
    }
}

/// Loads the model and measures how long that took, in microseconds.
fn timed_load(model_path: Option<&std::path::Path>) -> (Result<apr_wine_lambda::model::WineModel, ModelError>, f64) {
    let started = Instant::now();
    let source = model_path.map_or(ModelSource::Embedded, ModelSource::File);
    let model = load_model(source);
    (model, started.elapsed().as_nanos() as f64 / 1000.0)
}

fn serve_lambda(authority: &str, model_path: Option<&std::path::Path>) -> ExitCode {
    let (model, model_load_us) = timed_load(model_path);
    let mut api = RuntimeApi::new(authority);
    let model = match model {
        Ok(model) => model,
        Err(error) => {
            let message = error.to_string();
            eprintln!("bootstrap: {message}");
            if let Err(post_error) = api.send_init_error(INVALID_MODEL_ERROR_TYPE, &message) {
                eprintln!("bootstrap: {post_error}");
            }
            return ExitCode::from(EXIT_REFUSED);
        }
    };
    let handler = Handler::new(model, model_load_us);
    let error = serve(&mut api, &handler);
    eprintln!("bootstrap: stopping: {error}");
    ExitCode::from(EXIT_REFUSED)
}

fn answer_once(event: &[u8], model_path: Option<&std::path::Path>) -> ExitCode {
    let (model, model_load_us) = timed_load(model_path);
    let model = match model {
        Ok(model) => model,
        Err(error) => {
            println!("{}", String::from_utf8_lossy(&error_document(&error.to_string(), INVALID_MODEL_ERROR_TYPE)));
            return ExitCode::from(EXIT_INVALID_MODEL);
        }
    };
    match Handler::new(model, model_load_us).handle(event) {
        Outcome::Response(answer) => {
            println!("{}", String::from_utf8_lossy(&answer));
            ExitCode::SUCCESS
        }
        Outcome::InvalidInput(error) => {
            println!("{}", String::from_utf8_lossy(&error_document(&error.to_string(), INVALID_INPUT_ERROR_TYPE)));
            ExitCode::from(EXIT_REFUSED)
        }
    }
}
