//! The real `bootstrap` binary under a Runtime API server on 127.0.0.1 that speaks the
//! 2018-06-01 protocol, and the binary's command-line use.

mod common;

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use base64::Engine as _;
use common::*;
use serde_json::{Value, json};

const BOOTSTRAP: &str = env!("CARGO_BIN_EXE_bootstrap");
const NEXT: &str = "/2018-06-01/runtime/invocation/next";

/// How the server sends an event.
#[derive(Clone, Copy, Debug)]
enum Framing {
    ContentLength,
    /// Chunked transfer coding, written in several pieces.
    Chunked,
    /// Content-Length, written a few bytes at a time with pauses.
    Trickle,
    /// Content-Length, then `Connection: close` and the server closes its end.
    Close,
}

struct ScriptedEvent {
    request_id: String,
    body: Vec<u8>,
    framing: Framing,
}

#[derive(Debug, Clone)]
struct Recorded {
    connection: usize,
    method: String,
    path: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Recorded {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("posted bodies are JSON")
    }
}

#[derive(Default)]
struct State {
    events: VecDeque<ScriptedEvent>,
    log: Vec<Recorded>,
    connections: usize,
}

/// A Runtime API on 127.0.0.1: hands out scripted events, records every request, and answers
/// `next` with 500 once the script is exhausted (which must make the runtime exit).
struct FakeRuntimeApi {
    address: String,
    state: Arc<Mutex<State>>,
    stop: Arc<AtomicBool>,
}

impl FakeRuntimeApi {
    fn start(events: Vec<ScriptedEvent>) -> FakeRuntimeApi {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let address = listener.local_addr().unwrap().to_string();
        let state = Arc::new(Mutex::new(State { events: events.into(), ..State::default() }));
        let stop = Arc::new(AtomicBool::new(false));
        let (state_for_thread, stop_for_thread) = (state.clone(), stop.clone());
        thread::spawn(move || {
            while !stop_for_thread.load(Ordering::Relaxed) {
                match listener.accept() {
                    Ok((stream, _)) => {
                        stream.set_nonblocking(false).unwrap();
                        let connection = {
                            let mut state = state_for_thread.lock().unwrap();
                            state.connections += 1;
                            state.connections - 1
                        };
                        let state = state_for_thread.clone();
                        thread::spawn(move || serve_connection(stream, connection, state));
                    }
                    Err(_) => thread::sleep(Duration::from_millis(2)),
                }
            }
        });
        FakeRuntimeApi { address, state, stop }
    }

    fn log(&self) -> Vec<Recorded> {
        self.state.lock().unwrap().log.clone()
    }

    fn connections(&self) -> usize {
        self.state.lock().unwrap().connections
    }
}

impl Drop for FakeRuntimeApi {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

fn serve_connection(stream: TcpStream, connection: usize, state: Arc<Mutex<State>>) {
    stream.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    stream.set_nodelay(true).unwrap();
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut writer = stream;
    loop {
        let mut request_line = String::new();
        if reader.read_line(&mut request_line).unwrap_or(0) == 0 {
            return;
        }
        let mut parts = request_line.split_whitespace();
        let (method, path) = (parts.next().unwrap_or("").to_owned(), parts.next().unwrap_or("").to_owned());
        let mut headers = Vec::new();
        loop {
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            let (name, value) = line.split_once(':').unwrap();
            headers.push((name.to_owned(), value.trim().to_owned()));
        }
        let length = headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
            .map_or(0, |(_, v)| v.parse().unwrap());
        let mut body = vec![0; length];
        reader.read_exact(&mut body).unwrap();
        let is_next = method == "GET" && path == NEXT;
        let event = {
            let mut state = state.lock().unwrap();
            state.log.push(Recorded { connection, method, path, headers, body });
            if is_next { Some(state.events.pop_front()) } else { None }
        };
        match event {
            None => {
                let _ = writer.write_all(b"HTTP/1.1 202 Accepted\r\nContent-Type: application/json\r\nContent-Length: 16\r\n\r\n{\"status\":\"OK\"}\n");
            }
            Some(None) => {
                let body = br#"{"errorMessage":"the environment is shutting down","errorType":"Runtime.ExitError"}"#;
                let head = format!(
                    "HTTP/1.1 500 Internal Server Error\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
                    body.len()
                );
                let _ = writer.write_all(&[head.as_bytes(), body].concat());
            }
            Some(Some(event)) => {
                let common = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nLambda-Runtime-Aws-Request-Id: {}\r\n\
                     Lambda-Runtime-Deadline-Ms: 4102444800000\r\nLambda-Runtime-Invoked-Function-Arn: arn:aws:lambda:us-east-1:123456789012:function:wine\r\n\
                     Lambda-Runtime-Trace-Id: Root=1-00000000-000000000000000000000000;Sampled=0\r\n",
                    event.request_id
                );
                match event.framing {
                    Framing::ContentLength => {
                        let head = format!("{common}Content-Length: {}\r\n\r\n", event.body.len());
                        writer.write_all(&[head.as_bytes(), &event.body].concat()).unwrap();
                    }
                    Framing::Close => {
                        let head = format!("{common}Connection: close\r\nContent-Length: {}\r\n\r\n", event.body.len());
                        writer.write_all(&[head.as_bytes(), &event.body].concat()).unwrap();
                        return; // dropping the stream closes our end
                    }
                    Framing::Trickle => {
                        let message =
                            [format!("{common}Content-Length: {}\r\n\r\n", event.body.len()).as_bytes(), &event.body]
                                .concat();
                        for piece in message.chunks(7) {
                            writer.write_all(piece).unwrap();
                            thread::sleep(Duration::from_micros(300));
                        }
                    }
                    Framing::Chunked => {
                        writer.write_all(format!("{common}Transfer-Encoding: chunked\r\n\r\n").as_bytes()).unwrap();
                        for piece in event.body.chunks(10) {
                            writer.write_all(format!("{:x}\r\n", piece.len()).as_bytes()).unwrap();
                            thread::sleep(Duration::from_micros(300));
                            writer.write_all(&[piece, b"\r\n"].concat()).unwrap();
                        }
                        writer.write_all(b"0\r\n\r\n").unwrap();
                    }
                }
            }
        }
    }
}

fn spawn_bootstrap(api: &FakeRuntimeApi, model_path: Option<&std::path::Path>) -> Child {
    let mut command = Command::new(BOOTSTRAP);
    command
        .env_clear()
        .env("AWS_LAMBDA_RUNTIME_API", &api.address)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(path) = model_path {
        command.env("APR_MODEL_PATH", path);
    }
    command.spawn().expect("start bootstrap")
}

/// Waits for the process to exit, killing it (and failing) after `limit`.
fn wait_with_limit(child: &mut Child, limit: Duration) -> ExitStatus {
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("bootstrap did not exit within {limit:?}");
        }
        thread::sleep(Duration::from_millis(5));
    }
}

fn stderr_of(child: &mut Child) -> String {
    let mut text = String::new();
    child.stderr.take().unwrap().read_to_string(&mut text).unwrap();
    text
}

fn event(request_id: &str, body: impl Into<Vec<u8>>, framing: Framing) -> ScriptedEvent {
    ScriptedEvent { request_id: request_id.into(), body: body.into(), framing }
}

#[test]
fn serves_events_reports_bad_ones_keeps_the_connection_and_exits_on_500() {
    let encoded = base64::engine::general_purpose::STANDARD.encode(REFERENCE_PAYLOAD);
    let proxy = json!({"version": "2.0", "body": encoded, "isBase64Encoded": true}).to_string();
    let api = FakeRuntimeApi::start(vec![
        event("id-1", REFERENCE_PAYLOAD, Framing::ContentLength),
        event("id-2", "[]", Framing::Chunked),
        event("id-3", proxy, Framing::Trickle),
        event("id-4", REFERENCE_PAYLOAD.replace("\"pH\"", "\"ph\""), Framing::Chunked),
        event("id-5", r#"{"body": 7}"#, Framing::Close),
        event("id/6 x", REFERENCE_PAYLOAD, Framing::ContentLength),
    ]);
    let mut child = spawn_bootstrap(&api, None);
    let status = wait_with_limit(&mut child, Duration::from_secs(20));
    let stderr = stderr_of(&mut child);
    assert_eq!(status.code(), Some(1), "exits non-zero after the 500; stderr: {stderr}");
    assert!(stderr.contains("answered 500"), "{stderr}");

    let log = api.log();
    let summary: Vec<String> = log.iter().map(|r| format!("{} {}", r.method, r.path)).collect();
    assert_eq!(
        summary,
        [
            format!("GET {NEXT}"),
            "POST /2018-06-01/runtime/invocation/id-1/response".into(),
            format!("GET {NEXT}"),
            "POST /2018-06-01/runtime/invocation/id-2/error".into(),
            format!("GET {NEXT}"),
            "POST /2018-06-01/runtime/invocation/id-3/response".into(),
            format!("GET {NEXT}"),
            "POST /2018-06-01/runtime/invocation/id-4/response".into(),
            format!("GET {NEXT}"),
            "POST /2018-06-01/runtime/invocation/id-5/response".into(),
            format!("GET {NEXT}"),
            "POST /2018-06-01/runtime/invocation/id%2F6%20x/response".into(),
            format!("GET {NEXT}"),
        ]
    );

    let answer = log[1].json();
    assert_eq!(answer["runtime"], "apr");
    assert!(answer["model_load_us"].as_f64().unwrap() > 0.0);
    assert_eq!(log[1].header("Content-Type"), Some("application/json"));

    // A bad direct event: the error document, its type in the header, and the runtime goes on.
    assert_eq!(
        log[3].json(),
        json!({"errorMessage": "request must be a JSON object, got array", "errorType": "InvalidInput", "stackTrace": []})
    );
    assert_eq!(log[3].header("Lambda-Runtime-Function-Error-Type"), Some("InvalidInput"));

    let proxy_answer = log[5].json();
    assert_eq!(proxy_answer["statusCode"], 200);
    let inner: Value = serde_json::from_str(proxy_answer["body"].as_str().unwrap()).unwrap();
    assert_eq!(inner["quality"], answer["quality"]);
    assert_eq!(log[7].json()["quality"], answer["quality"]);
    let bad_proxy = log[9].json();
    assert_eq!(bad_proxy["statusCode"], 400);
    assert_eq!(
        bad_proxy["body"],
        r#"{"errorType":"InvalidInput","errorMessage":"field 'body' must be a string, got number"}"#
    );

    // Keep-alive: one connection until the server closed it with event 5, then one more.
    assert!(log[..9].iter().all(|r| r.connection == 0), "{:?}", log.iter().map(|r| r.connection).collect::<Vec<_>>());
    assert!(log[9..].iter().all(|r| r.connection == 1));
    assert_eq!(api.connections(), 2);
    assert!(log.iter().all(|r| r.header("Host") == Some(api.address.as_str())));
}

#[test]
fn an_oversized_event_is_refused_and_serving_goes_on() {
    let big = format!("{{\"pad\":\"{}\"}}", "x".repeat(6_291_456));
    let api = FakeRuntimeApi::start(vec![
        event("big", big, Framing::ContentLength),
        event("small", REFERENCE_PAYLOAD, Framing::ContentLength),
    ]);
    let mut child = spawn_bootstrap(&api, None);
    wait_with_limit(&mut child, Duration::from_secs(30));
    let log = api.log();
    assert_eq!(log[1].path, "/2018-06-01/runtime/invocation/big/error");
    assert_eq!(log[1].json()["errorMessage"], "request body is larger than 6291456 bytes");
    assert_eq!(log[3].path, "/2018-06-01/runtime/invocation/small/response");
}

#[test]
fn a_model_file_replaces_the_embedded_model() {
    let path = scratch_path("wine.apr");
    std::fs::write(&path, fixture_apr()).unwrap();
    let api = FakeRuntimeApi::start(vec![event("one", REFERENCE_PAYLOAD, Framing::ContentLength)]);
    let mut child = spawn_bootstrap(&api, Some(&path));
    wait_with_limit(&mut child, Duration::from_secs(20));
    let answer = api.log()[1].json();
    assert_eq!(answer["quality"].as_f64().unwrap() as f32, 5.796692_f32);
}

#[test]
fn a_bad_model_is_reported_to_init_error_and_the_process_exits_non_zero() {
    let mut file = fixture_apr();
    file[40] ^= 0xff;
    let stored = u32::from_le_bytes(file[file.len() - 4..].try_into().unwrap());
    let computed = apr_format::crc32(&file[..file.len() - 4]);
    let path = scratch_path("corrupt.apr");
    std::fs::write(&path, &file).unwrap();

    let api = FakeRuntimeApi::start(vec![event("never", REFERENCE_PAYLOAD, Framing::ContentLength)]);
    let mut child = spawn_bootstrap(&api, Some(&path));
    let status = wait_with_limit(&mut child, Duration::from_secs(20));
    assert_eq!(status.code(), Some(1));
    let log = api.log();
    assert_eq!(log.len(), 1, "no event is fetched after a failed init");
    assert_eq!((log[0].method.as_str(), log[0].path.as_str()), ("POST", "/2018-06-01/runtime/init/error"));
    assert_eq!(log[0].header("Lambda-Runtime-Function-Error-Type"), Some("Runtime.InvalidModel"));
    assert_eq!(
        log[0].json(),
        json!({
            "errorMessage": format!("model CRC32 mismatch: stored 0x{stored:08x}, computed 0x{computed:08x}"),
            "errorType": "Runtime.InvalidModel",
            "stackTrace": []
        })
    );

    // An unreadable path is reported the same way.
    let api = FakeRuntimeApi::start(vec![]);
    let mut child = spawn_bootstrap(&api, Some(std::path::Path::new("/nonexistent/wine.apr")));
    assert_eq!(wait_with_limit(&mut child, Duration::from_secs(20)).code(), Some(1));
    assert_eq!(
        api.log()[0].json()["errorMessage"],
        "cannot read model file '/nonexistent/wine.apr': No such file or directory (os error 2)"
    );
}

// ---- command line ----

fn run_cli(args: &[&str], stdin: Option<&[u8]>, model_path: Option<&std::path::Path>) -> (Option<i32>, String, String) {
    let mut command = Command::new(BOOTSTRAP);
    command.env_clear().args(args).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
    if let Some(path) = model_path {
        command.env("APR_MODEL_PATH", path);
    }
    let mut child = command.spawn().unwrap();
    let mut input = child.stdin.take().unwrap();
    input.write_all(stdin.unwrap_or_default()).unwrap();
    drop(input);
    let output = child.wait_with_output().unwrap();
    (output.status.code(), String::from_utf8(output.stdout).unwrap(), String::from_utf8(output.stderr).unwrap())
}

#[test]
fn the_command_line_answers_one_event() {
    let (code, stdout, _) = run_cli(&["--event", REFERENCE_PAYLOAD], None, None);
    assert_eq!(code, Some(0));
    let answer: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(answer["runtime"], "apr");

    let (code, stdout, _) = run_cli(&["--event", "[]"], None, None);
    assert_eq!(code, Some(1));
    assert_eq!(
        serde_json::from_str::<Value>(&stdout).unwrap(),
        json!({"errorMessage": "request must be a JSON object, got array", "errorType": "InvalidInput", "stackTrace": []})
    );

    // A proxy 400 is an answer, not a failed invocation.
    let (code, stdout, _) = run_cli(&["--event", r#"{"body":"[]"}"#], None, None);
    assert_eq!(code, Some(0));
    assert_eq!(serde_json::from_str::<Value>(&stdout).unwrap()["statusCode"], 400);

    let (code, stdout, _) = run_cli(&["--event", "-"], Some(REFERENCE_PAYLOAD.as_bytes()), None);
    assert_eq!(code, Some(0), "{stdout}");
    let (code, stdout, _) = run_cli(&[&format!("--event={REFERENCE_PAYLOAD}")], None, None);
    assert_eq!(code, Some(0), "{stdout}");
}

#[test]
fn the_command_line_reports_a_bad_model_and_usage_errors() {
    let path = scratch_path("not-apr.apr");
    std::fs::write(&path, b"definitely not an apr file, but long enough for a header").unwrap();
    let (code, stdout, _) = run_cli(&["--event", REFERENCE_PAYLOAD], None, Some(&path));
    assert_eq!(code, Some(3));
    let error: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(error["errorType"], "Runtime.InvalidModel");
    assert!(error["errorMessage"].as_str().unwrap().starts_with("model CRC32 mismatch"), "{error}");

    let (code, stdout, _) = run_cli(&["--help"], None, None);
    assert_eq!(code, Some(0));
    assert!(stdout.contains("--event JSON") && stdout.contains("APR_MODEL_PATH"), "{stdout}");
    for args in [&[][..], &["--event"], &["--bogus"], &["--event", "{}", "extra"]] {
        let (code, _, stderr) = run_cli(args, None, None);
        assert_eq!(code, Some(2), "{args:?}");
        assert!(stderr.contains("USAGE"), "{stderr}");
    }
}
