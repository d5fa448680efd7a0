//! Base64 decoding of proxy bodies: standard alphabet (RFC 4648 §4), padding required.
//!
//! Our own decoder is the default: the `base64` crate costs about 1 KB of zip and is no faster on
//! bodies of this size (measured by `npm run bench:apr-startup`). The crate stays available behind
//! the `base64-crate` feature, configured to make exactly the same decisions; a test holds the two
//! to that on random and mutated inputs.
//!
//! Decisions: the input length must be a multiple of 4; `=` may only appear as the last one or two
//! characters; no whitespace or other characters are allowed. Set bits after the last full byte
//! ("non-canonical" endings such as `QR==`) are ignored rather than rejected, because that is what
//! Python's `base64.b64decode(s, validate=True)` does and the two runtimes must agree.

/// The input is not base64 in the accepted form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InvalidBase64;

/// Decodes `input` with the decoder this build was configured with.
pub fn decode(input: &[u8]) -> Result<Vec<u8>, InvalidBase64> {
    #[cfg(feature = "base64-crate")]
    {
        decode_with_crate(input)
    }
    #[cfg(not(feature = "base64-crate"))]
    {
        decode_standard_padded(input)
    }
}

/// Marks bytes outside the alphabet in [`DECODE_TABLE`].
const NOT_IN_ALPHABET: u8 = 0xFF;

/// Maps every byte to its 6-bit value, or [`NOT_IN_ALPHABET`]; `=` is not in the alphabet.
const DECODE_TABLE: [u8; 256] = {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut table = [NOT_IN_ALPHABET; 256];
    let mut i = 0;
    while i < 64 {
        table[ALPHABET[i] as usize] = i as u8;
        i += 1;
    }
    table
};

/// Our decoder (see the module documentation for what it accepts).
pub fn decode_standard_padded(input: &[u8]) -> Result<Vec<u8>, InvalidBase64> {
    if !input.len().is_multiple_of(4) {
        return Err(InvalidBase64);
    }
    let Some(last_quad_start) = input.len().checked_sub(4) else {
        return Ok(Vec::new());
    };
    let (full_quads, last_quad) = input.split_at(last_quad_start);
    // Written through indices into a buffer of the final size: at opt-level "s" this is several
    // times faster than pushing byte by byte.
    let mut out = vec![0u8; full_quads.len() / 4 * 3];
    for (quad, bytes) in full_quads.chunks_exact(4).zip(out.chunks_exact_mut(3)) {
        let bits = quad_bits(quad[0], quad[1], quad[2], quad[3])?;
        bytes[0] = (bits >> 16) as u8;
        bytes[1] = (bits >> 8) as u8;
        bytes[2] = bits as u8;
    }
    let (a, b, c, d) = (last_quad[0], last_quad[1], last_quad[2], last_quad[3]);
    let last = match (c == b'=', d == b'=') {
        (false, false) => quad_bits(a, b, c, d)?.to_be_bytes(),
        (false, true) => quad_bits(a, b, c, b'A')?.to_be_bytes(),
        (true, true) => quad_bits(a, b, b'A', b'A')?.to_be_bytes(),
        (true, false) => return Err(InvalidBase64),
    };
    let last_len = 3 - usize::from(c == b'=') - usize::from(d == b'=');
    out.extend_from_slice(&last[1..1 + last_len]);
    Ok(out)
}

/// The 24 bits four alphabet characters stand for, in the low bits of the result.
#[inline(always)]
fn quad_bits(a: u8, b: u8, c: u8, d: u8) -> Result<u32, InvalidBase64> {
    let (a, b, c, d) = (
        DECODE_TABLE[usize::from(a)],
        DECODE_TABLE[usize::from(b)],
        DECODE_TABLE[usize::from(c)],
        DECODE_TABLE[usize::from(d)],
    );
    // NOT_IN_ALPHABET is the only table value with the high bit set.
    if (a | b | c | d) & 0x80 != 0 {
        return Err(InvalidBase64);
    }
    Ok((u32::from(a) << 18) | (u32::from(b) << 12) | (u32::from(c) << 6) | u32::from(d))
}

/// The `base64` crate configured to decide as [`decode_standard_padded`] does.
#[cfg(feature = "base64-crate")]
pub fn decode_with_crate(input: &[u8]) -> Result<Vec<u8>, InvalidBase64> {
    use base64::Engine as _;
    use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
    const ENGINE: GeneralPurpose = GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        GeneralPurposeConfig::new()
            .with_decode_allow_trailing_bits(true)
            .with_decode_padding_mode(DecodePaddingMode::RequireCanonical),
    );
    ENGINE.decode(input).map_err(|_| InvalidBase64)
}
