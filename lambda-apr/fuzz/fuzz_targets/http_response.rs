//! The HTTP/1.1 response reader: any bytes from the Runtime API, whole or a few bytes per read,
//! give the same result and never a panic.
#![no_main]

use std::io::{BufReader, Read};

use apr_wine_lambda::http::read_response;
use libfuzzer_sys::fuzz_target;

struct Trickle<'a>(&'a [u8], usize);

impl Read for Trickle<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.1.min(buf.len()).min(self.0.len());
        buf[..n].copy_from_slice(&self.0[..n]);
        self.0 = &self.0[n..];
        Ok(n)
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else { return };
    let max_body = usize::from(mode) * 64;
    let whole = read_response(&mut &rest[..], mode & 1 == 1, max_body);
    let step = usize::from(mode % 7) + 1;
    let mut reader = BufReader::with_capacity(step, Trickle(rest, step));
    let trickled = read_response(&mut reader, mode & 1 == 1, max_body);
    match (whole, trickled) {
        (Ok(a), Ok(b)) => {
            assert_eq!(a, b);
            assert!(a.body.len() <= max_body);
            assert!(a.body.len() as u64 <= a.body_len);
        }
        (Err(_), Err(_)) => {}
        (a, b) => panic!("whole {a:?} vs trickled {b:?}"),
    }
});
