//! Command-line use outside Lambda: `bootstrap --event '<json>'` and `bootstrap --help`.

use std::ffi::OsString;
use std::io::Read;

pub const HELP: &str = "\
bootstrap: wine-quality predictions from an Aprender .apr model, as an AWS Lambda custom runtime

USAGE:
  bootstrap                  serve invocations from the Lambda Runtime API at $AWS_LAMBDA_RUNTIME_API
  bootstrap --event JSON     answer one event and print the answer; '--event -' reads it from stdin
  bootstrap --help           print this help

ENVIRONMENT:
  AWS_LAMBDA_RUNTIME_API     host:port of the Lambda Runtime API (Lambda sets it)
  APR_MODEL_PATH             read the model from this .apr file instead of the embedded one

EXIT STATUS:
  0  --event: the answer was printed (for a proxy event, also when it is an HTTP 400 answer)
  1  --event: the event was refused and its InvalidInput error document was printed;
     serving: the model is not usable (reported to /runtime/init/error) or the Runtime API failed
  2  wrong usage
  3  --event: the model is not usable and its Runtime.InvalidModel error document was printed
";

pub const EXIT_REFUSED: u8 = 1;
pub const EXIT_USAGE: u8 = 2;
pub const EXIT_INVALID_MODEL: u8 = 3;

/// What the command line asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Help,
    /// Answer one event given on the command line.
    Event(Vec<u8>),
    /// Answer one event read from standard input.
    EventFromStdin,
    /// No arguments: serve the Runtime API.
    Serve,
    /// Carries what is wrong with the arguments.
    Usage(String),
}

pub fn parse_args(args: Vec<OsString>) -> Command {
    let mut args = args.into_iter();
    let Some(first) = args.next() else {
        return Command::Serve;
    };
    let command = match first.to_str() {
        Some("--help" | "-h") => Command::Help,
        Some("--event") => match args.next() {
            Some(value) if value == "-" => Command::EventFromStdin,
            Some(value) => Command::Event(os_bytes(value)),
            None => return Command::Usage("--event needs a value (the event JSON, or - for stdin)".into()),
        },
        _ => match os_bytes(first.clone()).strip_prefix(b"--event=") {
            Some(b"-") => Command::EventFromStdin,
            Some(value) => Command::Event(value.to_vec()),
            None => return Command::Usage(format!("unknown argument {:?}", first)),
        },
    };
    match args.next() {
        Some(extra) => Command::Usage(format!("unexpected argument {:?}", extra)),
        None => command,
    }
}

/// Arguments are bytes on Unix; an event that is not UTF-8 gets the contract's JSON error.
fn os_bytes(value: OsString) -> Vec<u8> {
    #[cfg(unix)]
    {
        std::os::unix::ffi::OsStringExt::into_vec(value)
    }
    #[cfg(not(unix))]
    {
        value.to_string_lossy().into_owned().into_bytes()
    }
}

pub fn read_stdin() -> std::io::Result<Vec<u8>> {
    let mut event = Vec::new();
    std::io::stdin().lock().read_to_end(&mut event)?;
    Ok(event)
}
