//! Our base64 decoder: RFC 4648 test vectors, the accepted form, and agreement with the `base64`
//! crate (configured to the same rules) on random and mutated inputs.

mod common;

use apr_wine_lambda::base64::{InvalidBase64, decode, decode_standard_padded};
use base64::Engine as _;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use common::Rng;

/// The crate with the rules of the contract: standard alphabet, canonical padding required, set
/// bits after the last byte ignored (as Python's `b64decode(validate=True)` does).
const REFERENCE: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_allow_trailing_bits(true)
        .with_decode_padding_mode(DecodePaddingMode::RequireCanonical),
);

fn ours(text: &str) -> Result<Vec<u8>, InvalidBase64> {
    decode_standard_padded(text.as_bytes())
}

#[test]
fn rfc_4648_vectors_decode() {
    for (encoded, decoded) in [
        ("", ""),
        ("Zg==", "f"),
        ("Zm8=", "fo"),
        ("Zm9v", "foo"),
        ("Zm9vYg==", "foob"),
        ("Zm9vYmE=", "fooba"),
        ("Zm9vYmFy", "foobar"),
    ] {
        assert_eq!(ours(encoded).unwrap(), decoded.as_bytes(), "{encoded}");
    }
    assert_eq!(ours("+/+/").unwrap(), [0xfb, 0xff, 0xbf]);
    assert_eq!(ours("AAAA").unwrap(), [0, 0, 0]);
}

#[test]
fn only_the_padded_standard_form_is_accepted() {
    for bad in [
        "Zg",
        "Zg=",
        "Zm8",
        "Z",
        "Zg===",
        "Zm9v=",
        "=Zg=",
        "Z=g=",
        "Zg=a",
        "Zm9vYg==Zm9v",
        "Zg==Zg==",
        "Zm9v\n",
        " Zm9v",
        "Zm 9v",
        "Zm9v-_-_",
        "Zm9v\0\0\0\0",
        "Zm9vé===",
        "====",
        "A===",
    ] {
        assert_eq!(ours(bad), Err(InvalidBase64), "{bad:?}");
    }
}

#[test]
fn set_bits_after_the_last_byte_are_ignored() {
    // "QR==" carries 'A' plus four stray bits; "QUI=" is "AB" and "QUJ=" carries two stray bits.
    assert_eq!(ours("QR==").unwrap(), b"A");
    assert_eq!(ours("QUJ=").unwrap(), b"AB");
}

#[test]
fn the_configured_decoder_is_ours_by_default() {
    assert_eq!(decode(b"Zm9v").unwrap(), b"foo");
    assert_eq!(decode(b"Zm9v="), Err(InvalidBase64));
}

#[test]
fn our_decoder_agrees_with_the_base64_crate_on_200_000_inputs() {
    let mut rng = Rng::new(0xB64_B64);
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut accepted = 0;
    for _ in 0..200_000 {
        let input: Vec<u8> = match rng.below(3) {
            // Valid encodings of random bytes, sometimes damaged.
            0 | 1 => {
                let len = rng.below(40);
                let mut encoded = REFERENCE.encode(rng.bytes(len)).into_bytes();
                if rng.chance(1, 2) && !encoded.is_empty() {
                    let at = rng.below(encoded.len());
                    encoded[at] = *rng.pick(b"=A+/-_ \n\0\xff");
                }
                if rng.chance(1, 4) {
                    let len = rng.below(encoded.len() + 1);
                    encoded.truncate(len);
                }
                encoded
            }
            // Strings over the alphabet plus '=' with lengths around multiples of four.
            _ => {
                let len = rng.below(13);
                (0..len).map(|_| if rng.chance(1, 6) { b'=' } else { *rng.pick(ALPHABET) }).collect()
            }
        };
        let expected = REFERENCE.decode(&input).map_err(|_| InvalidBase64);
        assert_eq!(decode_standard_padded(&input), expected, "{:?}", String::from_utf8_lossy(&input));
        accepted += usize::from(expected.is_ok());
    }
    assert!(accepted > 50_000, "{accepted}");
}
