//! A minimal HTTP/1.1 client over `std::net`, enough for the Lambda Runtime API: one persistent
//! connection, requests with small bodies, responses framed by Content-Length, chunked transfer
//! coding or connection close. No timeouts: the Runtime API holds `GET .../next` open until an
//! event arrives, which may take as long as the environment stays frozen.

use std::fmt;
use std::io::{self, BufRead, BufReader, Write};
use std::net::TcpStream;

/// Longest status line, header line or chunk-size line accepted.
const MAX_LINE_BYTES: usize = 16 * 1024;
/// Most header lines accepted in one response.
const MAX_HEADERS: usize = 128;

#[derive(Debug)]
pub enum HttpError {
    Io(io::Error),
    /// The peer closed the connection before sending any byte of a response.
    ClosedBeforeResponse,
    /// The response is not HTTP/1.x as this client reads it.
    Malformed(String),
}

impl fmt::Display for HttpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HttpError::Io(error) => write!(f, "I/O error: {error}"),
            HttpError::ClosedBeforeResponse => f.write_str("connection closed before a response"),
            HttpError::Malformed(detail) => write!(f, "malformed HTTP response: {detail}"),
        }
    }
}

impl From<io::Error> for HttpError {
    fn from(error: io::Error) -> Self {
        HttpError::Io(error)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    pub status: u16,
    /// Header names as sent; look them up with [`Response::header`].
    pub headers: Vec<(String, String)>,
    /// The body, cut after the `max_body` bytes the caller asked to keep.
    pub body: Vec<u8>,
    /// Body bytes received in total, kept or not.
    pub body_len: u64,
    /// Whether the connection can carry another request.
    pub keep_alive: bool,
}

impl Response {
    /// The first header with this name (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(key, _)| key.eq_ignore_ascii_case(name)).map(|(_, value)| value.as_str())
    }
}

struct Connection {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
}

/// A client for one server (`host:port`), reusing its connection while the server allows.
pub struct HttpClient {
    authority: String,
    connection: Option<Connection>,
    connections_opened: u64,
}

impl HttpClient {
    pub fn new(authority: &str) -> HttpClient {
        HttpClient { authority: authority.to_owned(), connection: None, connections_opened: 0 }
    }

    /// How many TCP connections this client has opened so far.
    pub fn connections_opened(&self) -> u64 {
        self.connections_opened
    }

    /// Sends one request and reads its response, keeping at most `max_body` body bytes.
    ///
    /// A kept-alive connection may have been closed by the server while idle; if it turns out
    /// closed before any response byte arrives, the request is sent once more on a new one.
    pub fn request(
        &mut self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<&[u8]>,
        max_body: usize,
    ) -> Result<Response, HttpError> {
        let message = self.encode_request(method, path, headers, body);
        let mut retried = false;
        loop {
            let reused = self.connection.is_some();
            let connection = match &mut self.connection {
                Some(connection) => connection,
                None => self.connection.insert(Self::connect(&self.authority, &mut self.connections_opened)?),
            };
            let result = match connection.writer.write_all(&message) {
                Ok(()) => read_response(&mut connection.reader, method == "HEAD", max_body),
                Err(error) => Err(HttpError::Io(error)),
            };
            match result {
                Ok(response) => {
                    if !response.keep_alive {
                        self.connection = None;
                    }
                    return Ok(response);
                }
                Err(error) => {
                    self.connection = None;
                    let stale = matches!(&error, HttpError::ClosedBeforeResponse)
                        || matches!(&error, HttpError::Io(e) if is_connection_gone(e));
                    if reused && stale && !retried {
                        retried = true;
                        continue;
                    }
                    return Err(error);
                }
            }
        }
    }

    fn connect(authority: &str, opened: &mut u64) -> Result<Connection, HttpError> {
        let stream = TcpStream::connect(authority)?;
        // Requests go out in one write; don't let Nagle hold back the next one.
        stream.set_nodelay(true)?;
        *opened += 1;
        Ok(Connection { writer: stream.try_clone()?, reader: BufReader::with_capacity(64 * 1024, stream) })
    }

    fn encode_request(&self, method: &str, path: &str, headers: &[(&str, &str)], body: Option<&[u8]>) -> Vec<u8> {
        let body_len = body.map_or(0, <[u8]>::len);
        let mut message = Vec::with_capacity(256 + body_len);
        let _ = write!(message, "{method} {path} HTTP/1.1\r\nHost: {}\r\n", self.authority);
        message
            .extend_from_slice(concat!("User-Agent: apr-wine-lambda/", env!("CARGO_PKG_VERSION"), "\r\n").as_bytes());
        for (name, value) in headers {
            let _ = write!(message, "{name}: {value}\r\n");
        }
        if let Some(body) = body {
            let _ = write!(message, "Content-Length: {}\r\n\r\n", body.len());
            message.extend_from_slice(body);
        } else {
            message.extend_from_slice(b"\r\n");
        }
        message
    }
}

fn is_connection_gone(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        io::ErrorKind::BrokenPipe
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::UnexpectedEof
    )
}

/// Reads one response (skipping interim 1xx responses), framing the body as RFC 9112 §6.3 says.
pub fn read_response<R: BufRead>(reader: &mut R, head_request: bool, max_body: usize) -> Result<Response, HttpError> {
    let mut first = true;
    loop {
        let (version_1_0, status) = read_status_line(reader, first)?;
        first = false;
        let headers = read_headers(reader)?;
        if (100..200).contains(&status) && status != 101 {
            continue;
        }
        let mut response = Response { status, headers, body: Vec::new(), body_len: 0, keep_alive: true };
        let connection_tokens = |token: &str| {
            response
                .headers
                .iter()
                .filter(|(name, _)| name.eq_ignore_ascii_case("connection"))
                .flat_map(|(_, value)| value.split(','))
                .any(|t| t.trim().eq_ignore_ascii_case(token))
        };
        response.keep_alive = if version_1_0 { connection_tokens("keep-alive") } else { !connection_tokens("close") };

        if head_request || status == 204 || status == 304 {
            return Ok(response);
        }
        let transfer_encoding = response.header("transfer-encoding").map(str::to_owned);
        let content_length = response.header("content-length").map(str::to_owned);
        if let Some(encoding) = transfer_encoding {
            let last_coding = encoding.rsplit(',').next().unwrap_or("").trim();
            if last_coding.eq_ignore_ascii_case("chunked") {
                read_chunked_body(reader, max_body, &mut response)?;
            } else {
                read_body_until_close(reader, max_body, &mut response)?;
            }
        } else if let Some(length) = content_length {
            let length = parse_content_length(&length)?;
            read_exact_body(reader, length, max_body, &mut response)?;
        } else {
            read_body_until_close(reader, max_body, &mut response)?;
        }
        return Ok(response);
    }
}

/// Returns (is HTTP/1.0, status code).
fn read_status_line<R: BufRead>(reader: &mut R, first: bool) -> Result<(bool, u16), HttpError> {
    let mut line = match read_line_or_eof(reader)? {
        Some(line) => line,
        None if first => return Err(HttpError::ClosedBeforeResponse),
        None => return Err(early_eof()),
    };
    // RFC 9112 §2.2: a client may skip empty lines before the status line.
    let mut skipped = 0;
    while line.is_empty() && skipped < 4 {
        line = read_line(reader)?;
        skipped += 1;
    }
    let malformed = || HttpError::Malformed(format!("bad status line {:?}", String::from_utf8_lossy(&line)));
    let version_1_0 = if line.starts_with(b"HTTP/1.1 ") {
        false
    } else if line.starts_with(b"HTTP/1.0 ") {
        true
    } else {
        return Err(malformed());
    };
    let code = line.get(9..12).ok_or_else(malformed)?;
    if !code.iter().all(u8::is_ascii_digit) || line.get(12).is_some_and(|&b| b != b' ') {
        return Err(malformed());
    }
    let status = code.iter().fold(0u16, |n, d| n * 10 + u16::from(d - b'0'));
    Ok((version_1_0, status))
}

fn read_headers<R: BufRead>(reader: &mut R) -> Result<Vec<(String, String)>, HttpError> {
    let mut headers = Vec::new();
    loop {
        let line = read_line(reader)?;
        if line.is_empty() {
            return Ok(headers);
        }
        if headers.len() == MAX_HEADERS {
            return Err(HttpError::Malformed(format!("more than {MAX_HEADERS} headers")));
        }
        let malformed = || HttpError::Malformed(format!("bad header line {:?}", String::from_utf8_lossy(&line)));
        if line[0] == b' ' || line[0] == b'\t' {
            return Err(malformed()); // obsolete line folding
        }
        let colon = line.iter().position(|&b| b == b':').ok_or_else(malformed)?;
        let name = std::str::from_utf8(&line[..colon]).map_err(|_| malformed())?;
        if name.is_empty() || name.bytes().any(|b| b.is_ascii_whitespace()) {
            return Err(malformed());
        }
        let value = String::from_utf8_lossy(&line[colon + 1..]).trim_matches([' ', '\t']).to_owned();
        headers.push((name.to_owned(), value));
    }
}

fn parse_content_length(value: &str) -> Result<u64, HttpError> {
    // Several equal values ("12, 12") are allowed by RFC 9110 §8.6; different ones are not.
    let mut lengths = value.split(',').map(|v| v.trim());
    let first = lengths.next().unwrap_or("");
    let parse = |v: &str| -> Option<u64> {
        if v.is_empty() || !v.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        v.parse().ok()
    };
    let length = parse(first).ok_or_else(|| HttpError::Malformed(format!("bad Content-Length {value:?}")))?;
    if lengths.any(|v| parse(v) != Some(length)) {
        return Err(HttpError::Malformed(format!("conflicting Content-Length {value:?}")));
    }
    Ok(length)
}

fn read_exact_body<R: BufRead>(
    reader: &mut R,
    mut remaining: u64,
    max_body: usize,
    response: &mut Response,
) -> Result<(), HttpError> {
    while remaining > 0 {
        let available = fill(reader)?;
        if available.is_empty() {
            return Err(early_eof());
        }
        let take = available.len().min(usize::try_from(remaining).unwrap_or(usize::MAX));
        keep(&available[..take], max_body, response);
        reader.consume(take);
        remaining -= take as u64;
    }
    Ok(())
}

fn read_body_until_close<R: BufRead>(
    reader: &mut R,
    max_body: usize,
    response: &mut Response,
) -> Result<(), HttpError> {
    response.keep_alive = false;
    loop {
        let available = fill(reader)?;
        if available.is_empty() {
            return Ok(());
        }
        let take = available.len();
        keep(available, max_body, response);
        reader.consume(take);
    }
}

fn read_chunked_body<R: BufRead>(reader: &mut R, max_body: usize, response: &mut Response) -> Result<(), HttpError> {
    loop {
        let line = read_line(reader)?;
        let size_text = line.split(|&b| b == b';').next().unwrap_or(&[]);
        let size_text = size_text.trim_ascii();
        let malformed = || HttpError::Malformed(format!("bad chunk size {:?}", String::from_utf8_lossy(&line)));
        if size_text.is_empty() {
            return Err(malformed());
        }
        let mut size: u64 = 0;
        for &digit in size_text {
            let value = (digit as char).to_digit(16).ok_or_else(malformed)?;
            size = size.checked_mul(16).and_then(|s| s.checked_add(u64::from(value))).ok_or_else(malformed)?;
        }
        if size == 0 {
            // Trailer fields, up to the empty line; none matter here.
            while !read_line(reader)?.is_empty() {}
            return Ok(());
        }
        read_exact_body(reader, size, max_body, response)?;
        if !read_line(reader)?.is_empty() {
            return Err(HttpError::Malformed("chunk data not followed by CRLF".into()));
        }
    }
}

fn keep(bytes: &[u8], max_body: usize, response: &mut Response) {
    let room = max_body.saturating_sub(response.body.len());
    response.body.extend_from_slice(&bytes[..bytes.len().min(room)]);
    response.body_len += bytes.len() as u64;
}

fn fill<R: BufRead>(reader: &mut R) -> Result<&[u8], HttpError> {
    loop {
        match reader.fill_buf() {
            // The borrow checker cannot yet see that the early return ends the borrow, hence the
            // second call once the loop has established that the buffer is ready.
            Ok(_) => break,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
            Err(error) => return Err(HttpError::Io(error)),
        }
    }
    Ok(reader.fill_buf()?)
}

fn early_eof() -> HttpError {
    HttpError::Io(io::Error::new(io::ErrorKind::UnexpectedEof, "response ends early"))
}

/// One line without its CRLF (a bare LF is accepted too), across as many reads as it takes.
fn read_line<R: BufRead>(reader: &mut R) -> Result<Vec<u8>, HttpError> {
    read_line_or_eof(reader)?.ok_or_else(early_eof)
}

/// Like [`read_line`], but `None` when the input ends before the line's first byte.
fn read_line_or_eof<R: BufRead>(reader: &mut R) -> Result<Option<Vec<u8>>, HttpError> {
    let mut line = Vec::new();
    loop {
        let available = fill(reader)?;
        if available.is_empty() {
            return if line.is_empty() { Ok(None) } else { Err(early_eof()) };
        }
        let newline = available.iter().position(|&b| b == b'\n');
        let taken = newline.map_or(available.len(), |end| end + 1);
        line.extend_from_slice(&available[..taken]);
        reader.consume(taken);
        if line.len() > MAX_LINE_BYTES + 2 {
            return Err(HttpError::Malformed(format!("line longer than {MAX_LINE_BYTES} bytes")));
        }
        if newline.is_some() {
            line.pop();
            if line.last() == Some(&b'\r') {
                line.pop();
            }
            return Ok(Some(line));
        }
    }
}
