//! The HTTP/1.1 client: response framing (Content-Length, chunked, close), partial reads,
//! malformed input, and connection reuse over real sockets on 127.0.0.1.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::thread;

use apr_wine_lambda::http::{HttpClient, HttpError, Response, read_response};

/// Hands out at most `step` bytes per read, so that every line and body spans many reads.
struct Trickle<'a> {
    data: &'a [u8],
    step: usize,
}

impl Read for Trickle<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.step.min(buf.len()).min(self.data.len());
        buf[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        Ok(n)
    }
}

fn parse(raw: &[u8], max_body: usize) -> Result<Response, HttpError> {
    let whole = read_response(&mut &raw[..], false, max_body);
    // The same bytes arriving a few at a time give the same result.
    for step in [1, 2, 7] {
        let mut reader = BufReader::with_capacity(step, Trickle { data: raw, step });
        let trickled = read_response(&mut reader, false, max_body);
        match (&whole, &trickled) {
            (Ok(a), Ok(b)) => assert_eq!(a, b),
            (Err(_), Err(_)) => {}
            _ => panic!("{whole:?} vs {trickled:?}"),
        }
    }
    whole
}

#[test]
fn content_length_bodies() {
    let raw = b"HTTP/1.1 200 OK\r\nLambda-Runtime-Aws-Request-Id: abc\r\nContent-Length: 5\r\n\r\nhelloEXTRA";
    let response = parse(raw, 1 << 20).unwrap();
    assert_eq!(response.status, 200);
    assert_eq!(response.body, b"hello");
    assert_eq!(response.header("lambda-runtime-aws-request-id"), Some("abc"));
    assert!(response.keep_alive);
    // The next response on the connection starts right after the body.
    let mut rest = &raw[..];
    read_response(&mut rest, false, 1 << 20).unwrap();
    assert_eq!(rest, b"EXTRA");
}

#[test]
fn chunked_bodies_with_extensions_and_trailers() {
    let raw = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4;name=value\r\n{\"a\"\r\nA\r\n:1234567}\n\r\n0\r\nTrailer: x\r\n\r\n";
    let response = parse(raw, 1 << 20).unwrap();
    assert_eq!(response.body, b"{\"a\":1234567}\n");
    assert!(response.keep_alive);
    for bad in [
        &b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"[..],
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nabcdXX\r\n0\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nFFFFFFFFFFFFFFFFFF\r\n",
    ] {
        assert!(matches!(parse(bad, 1 << 20), Err(HttpError::Malformed(_))), "{:?}", String::from_utf8_lossy(bad));
    }
    assert!(parse(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab", 1 << 20).is_err());
}

#[test]
fn bodies_without_length_end_with_the_connection() {
    let response = parse(b"HTTP/1.1 200 OK\r\n\r\nall of it", 1 << 20).unwrap();
    assert_eq!(response.body, b"all of it");
    assert!(!response.keep_alive);
    let response = parse(b"HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok", 1 << 20).unwrap();
    assert!(!response.keep_alive);
    let response = parse(b"HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nok", 1 << 20).unwrap();
    assert!(response.keep_alive);
    let response = parse(b"HTTP/1.1 202 Accepted\r\nConnection: Close\r\nContent-Length: 0\r\n\r\n", 1 << 20).unwrap();
    assert!(!response.keep_alive);
}

#[test]
fn interim_responses_are_skipped_and_bare_newlines_accepted() {
    let response =
        parse(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 202 Accepted\nContent-Length: 2\n\n{}", 1 << 20).unwrap();
    assert_eq!(response.status, 202);
    assert_eq!(response.body, b"{}");
}

#[test]
fn large_bodies_are_counted_but_kept_only_up_to_the_limit() {
    let body = vec![b'x'; 100_000];
    let mut raw = b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n".to_vec();
    raw.extend_from_slice(&body);
    let response = read_response(&mut &raw[..], false, 1000).unwrap();
    assert_eq!(response.body.len(), 1000);
    assert_eq!(response.body_len, 100_000);
}

#[test]
fn malformed_responses_are_errors_not_panics() {
    for bad in [
        &b"HTTP/2 200 OK\r\n\r\n"[..],
        b"HTTP/1.1 2x0 OK\r\n\r\n",
        b"HTTP/1.1 200OK\r\n\r\n",
        b"HTTP/1.1\r\n\r\n",
        b"garbage\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nno colon\r\n\r\n",
        b"HTTP/1.1 200 OK\r\n folded: x\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: 1, 2\r\n\r\nx",
        b"HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999999\r\n\r\n",
    ] {
        assert!(matches!(parse(bad, 1 << 20), Err(HttpError::Malformed(_))), "{:?}", String::from_utf8_lossy(bad));
    }
    assert!(matches!(parse(b"", 10), Err(HttpError::ClosedBeforeResponse)));
    assert!(matches!(parse(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort", 10), Err(HttpError::Io(_))));
    let long_line = format!("HTTP/1.1 200 OK\r\nX: {}\r\n\r\n", "y".repeat(20_000));
    assert!(matches!(parse(long_line.as_bytes(), 10), Err(HttpError::Malformed(_))));
    let many_headers = format!("HTTP/1.1 200 OK\r\n{}\r\n", "A: b\r\n".repeat(200));
    assert!(matches!(parse(many_headers.as_bytes(), 10), Err(HttpError::Malformed(_))));
    // Equal repeated lengths are fine.
    assert_eq!(parse(b"HTTP/1.1 200 OK\r\nContent-Length: 2, 2\r\n\r\nok", 10).unwrap().body, b"ok");
}

/// Reads one request head and its Content-Length body from a server-side connection.
fn read_request(reader: &mut impl BufRead) -> Option<(String, Vec<u8>)> {
    let mut line = String::new();
    if reader.read_line(&mut line).ok()? == 0 {
        return None;
    }
    let mut length = 0;
    loop {
        let mut header = String::new();
        reader.read_line(&mut header).ok()?;
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        if let Some(value) = header.strip_prefix("Content-Length: ") {
            length = value.parse().unwrap();
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    Some((line.trim_end().to_owned(), body))
}

#[test]
fn the_connection_is_reused_and_reopened_when_the_server_closed_it() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap().to_string();
    let server = thread::spawn(move || {
        let mut requests = Vec::new();
        // First connection: two requests, then the server closes it while idle.
        for serve_two_then_close in [true, false] {
            let (stream, _) = listener.accept().unwrap();
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut writer = stream;
            for _ in 0..if serve_two_then_close { 2 } else { 1 } {
                let (line, body) = read_request(&mut reader).unwrap();
                requests.push((line, body));
                writer.write_all(b"HTTP/1.1 202 Accepted\r\nContent-Length: 2\r\n\r\nok").unwrap();
            }
        }
        requests
    });
    let mut client = HttpClient::new(&address);
    for body in [&b"one"[..], b"two"] {
        let response = client.request("POST", "/x", &[("Content-Type", "application/json")], Some(body), 100).unwrap();
        assert_eq!((response.status, response.body.as_slice()), (202, &b"ok"[..]));
    }
    assert_eq!(client.connections_opened(), 1);
    // Give the server time to close its end; the client finds out on its next request.
    thread::sleep(std::time::Duration::from_millis(100));
    let response = client.request("GET", "/next", &[], None, 100).unwrap();
    assert_eq!(response.status, 202);
    assert_eq!(client.connections_opened(), 2);
    let requests = server.join().unwrap();
    assert_eq!(requests[0], ("POST /x HTTP/1.1".to_owned(), b"one".to_vec()));
    assert_eq!(requests[1], ("POST /x HTTP/1.1".to_owned(), b"two".to_vec()));
    assert_eq!(requests[2], ("GET /next HTTP/1.1".to_owned(), Vec::new()));
}
