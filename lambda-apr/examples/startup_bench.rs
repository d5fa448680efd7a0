//! Measures a `bootstrap` binary the way Lambda experiences it, against a minimal Runtime API on
//! 127.0.0.1: the time from spawning the process to receiving its first `GET .../invocation/next`
//! (what Lambda reports as Init Duration), then warm round trips (event sent → answer received).
//!
//! cargo run --release --example startup_bench -- --binary dist/bootstrap --runs 200 --events 50
//!
//! Prints one JSON document with every sample in microseconds; scripts/bench-apr.ts summarises it.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const REFERENCE_EVENT: &str = r#"{"fixed_acidity":7.0,"volatile_acidity":0.3,"citric_acid":0.3,"residual_sugar":2.0,"chlorides":0.05,"free_sulfur_dioxide":30.0,"total_sulfur_dioxide":100.0,"density":0.995,"pH":3.3,"sulphates":0.6,"alcohol":10.5}"#;
const NEXT_REQUEST_LINE: &str = "GET /2018-06-01/runtime/invocation/next HTTP/1.1";

struct Options {
    binary: String,
    runs: usize,
    events: usize,
}

fn parse_options() -> Options {
    let mut options = Options { binary: String::new(), runs: 100, events: 20 };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().unwrap_or_else(|| fail(&format!("{arg} needs a value")));
        match arg.as_str() {
            "--binary" => options.binary = value(),
            "--runs" => options.runs = value().parse().unwrap_or_else(|_| fail("--runs must be a number")),
            "--events" => options.events = value().parse().unwrap_or_else(|_| fail("--events must be a number")),
            other => fail(&format!("unknown argument {other}")),
        }
    }
    if options.binary.is_empty() {
        fail("--binary is required");
    }
    options
}

fn fail(message: &str) -> ! {
    eprintln!("startup_bench: {message}");
    std::process::exit(2);
}

/// Reads one request (head and Content-Length body); returns the request line and the body.
fn read_request(reader: &mut BufReader<TcpStream>) -> std::io::Result<(String, Vec<u8>)> {
    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    let mut content_length = 0usize;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            return Err(std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "request ends early"));
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':')
            && name.eq_ignore_ascii_case("content-length")
        {
            content_length = value.trim().parse().unwrap_or(0);
        }
    }
    let mut body = vec![0u8; content_length];
    reader.read_exact(&mut body)?;
    Ok((request_line.trim_end().to_owned(), body))
}

fn number_field(json: &str, field: &str) -> Option<f64> {
    let start = json.find(&format!("\"{field}\":"))? + field.len() + 3;
    let rest = &json[start..];
    let end = rest.find([',', '}']).unwrap_or(rest.len());
    rest[..end].parse().ok()
}

fn main() {
    let options = parse_options();
    let mut spawn_to_next_us = Vec::with_capacity(options.runs);
    let mut model_load_us = Vec::new();
    let mut first_inference_us = Vec::new();
    let mut warm_roundtrip_us = Vec::new();
    let mut warm_inference_us = Vec::new();
    let mut connections_per_run = Vec::new();

    for run in 0..options.runs {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        let address = listener.local_addr().expect("local address").to_string();
        let started = Instant::now();
        let mut child = Command::new(&options.binary)
            .env_clear()
            .env("AWS_LAMBDA_RUNTIME_API", &address)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| fail(&format!("cannot start {}: {e}", options.binary)));
        let (stream, _) = listener.accept().expect("accept");
        stream.set_read_timeout(Some(Duration::from_secs(10))).expect("timeout");
        let mut reader = BufReader::new(stream.try_clone().expect("clone"));
        stream.set_nodelay(true).expect("nodelay");
        let mut writer = stream;
        let (line, _) = read_request(&mut reader).expect("first request");
        spawn_to_next_us.push(started.elapsed().as_nanos() as f64 / 1000.0);
        if line != NEXT_REQUEST_LINE {
            fail(&format!("run {run}: first request was {line:?}"));
        }
        listener.set_nonblocking(true).expect("nonblocking");

        for event in 0..options.events.max(1) {
            let sent = Instant::now();
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nLambda-Runtime-Aws-Request-Id: run{run}-event{event}\r\n\
                 Lambda-Runtime-Deadline-Ms: 9999999999999\r\nContent-Length: {}\r\n\r\n",
                REFERENCE_EVENT.len()
            );
            // One write, so that Nagle's algorithm cannot hold the body back behind the head.
            writer.write_all(format!("{head}{REFERENCE_EVENT}").as_bytes()).expect("send event");
            let (line, body) = read_request(&mut reader).expect("answer");
            let elapsed = sent.elapsed().as_nanos() as f64 / 1000.0;
            if !line.starts_with(&format!("POST /2018-06-01/runtime/invocation/run{run}-event{event}/response ")) {
                fail(&format!("run {run}: expected the answer, got {line:?}"));
            }
            let answer = String::from_utf8_lossy(&body);
            let inference = number_field(&answer, "inference_us").unwrap_or(f64::NAN);
            if event == 0 {
                model_load_us.push(number_field(&answer, "model_load_us").unwrap_or(f64::NAN));
                first_inference_us.push(inference);
            } else {
                warm_roundtrip_us.push(elapsed);
                warm_inference_us.push(inference);
            }
            writer.write_all(b"HTTP/1.1 202 Accepted\r\nContent-Type: application/json\r\nContent-Length: 16\r\n\r\n{\"status\":\"OK\"}\n").expect("ack");
            let (line, _) = read_request(&mut reader).expect("next request");
            if line != NEXT_REQUEST_LINE {
                fail(&format!("run {run}: expected next, got {line:?}"));
            }
        }
        // One connection for the whole run shows keep-alive at work.
        let mut extra_connections: u64 = 0;
        while listener.accept().is_ok() {
            extra_connections += 1;
        }
        connections_per_run.push(1 + extra_connections);
        let _ = child.kill();
        let _ = child.wait();
    }

    let list = |values: &[f64]| values.iter().map(|v| format!("{v:.3}")).collect::<Vec<_>>().join(",");
    println!(
        "{{\"binary\":{:?},\"runs\":{},\"events_per_run\":{},\"spawn_to_next_us\":[{}],\"model_load_us\":[{}],\
         \"first_inference_us\":[{}],\"warm_roundtrip_us\":[{}],\"warm_inference_us\":[{}],\"connections_per_run\":[{}]}}",
        options.binary,
        options.runs,
        options.events.max(1),
        list(&spawn_to_next_us),
        list(&model_load_us),
        list(&first_inference_us),
        list(&warm_roundtrip_us),
        list(&warm_inference_us),
        connections_per_run.iter().map(u64::to_string).collect::<Vec<_>>().join(",")
    );
}
