//! The `.apr` reader: every check on its own, in order, with its message; and our reader
//! (src/apr_v1.rs) against apr-format, the reference implementation, on valid and corrupted files.

mod common;

use apr_wine_lambda::apr_v1;
use apr_wine_lambda::load::{ModelSource, load_model, wine_model_from_apr};
use apr_wine_lambda::model::{DecodedApr, ModelError, wine_model_from_decoded};
use common::*;
use serde_json::{Value, json};

fn set_u16(file: &mut [u8], at: usize, value: u16) {
    file[at..at + 2].copy_from_slice(&value.to_le_bytes());
}

fn set_u32(file: &mut [u8], at: usize, value: u32) {
    file[at..at + 4].copy_from_slice(&value.to_le_bytes());
}

fn get_u32(file: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(file[at..at + 4].try_into().unwrap())
}

/// Loads with the reader this build uses and with our reader; both must fail the same way.
fn refused(file: &[u8]) -> ModelError {
    let configured = wine_model_from_apr(file).expect_err("refused");
    let ours = apr_v1::read_linear_regression(file).and_then(wine_model_from_decoded).expect_err("refused by ours");
    match (&configured, &ours) {
        (ModelError::Payload(_), ModelError::Payload(_)) | (ModelError::Metadata(_), ModelError::Metadata(_)) => {}
        _ => assert_eq!(configured, ours),
    }
    configured
}

#[test]
fn the_fixture_and_the_embedded_model_load() {
    let model = wine_model_from_apr(&fixture_apr()).unwrap();
    assert_eq!(model.coefficients, FIXTURE_COEFFICIENTS);
    assert_eq!(model.intercept, FIXTURE_INTERCEPT);
    assert_eq!(model.feature_means, FIXTURE_MEANS);
    assert_eq!(model.feature_mins, FIXTURE_MINS);
    assert_eq!(model.feature_maxs, FIXTURE_MAXS);
    let embedded = load_model(ModelSource::Embedded).unwrap();
    let via_ours = apr_v1::read_linear_regression(apr_wine_lambda::load::EMBEDDED_MODEL)
        .and_then(wine_model_from_decoded)
        .unwrap();
    assert_eq!(embedded, via_ours);
}

#[test]
fn a_model_file_can_replace_the_embedded_one() {
    let path = scratch_path("wine.apr");
    std::fs::write(&path, fixture_apr()).unwrap();
    assert_eq!(load_model(ModelSource::File(&path)).unwrap().coefficients, FIXTURE_COEFFICIENTS);
    let missing = path.with_extension("missing");
    let error = load_model(ModelSource::File(&missing)).unwrap_err();
    assert_eq!(
        error.to_string(),
        format!("cannot read model file '{}': No such file or directory (os error 2)", missing.display())
    );
}

#[test]
fn too_small_files_are_refused_first() {
    let file = fixture_apr();
    assert_eq!(
        refused(&file[..35]).to_string(),
        "model file is 35 bytes, smaller than the 36 bytes of an empty .apr v1 file"
    );
    assert_eq!(refused(&[]), ModelError::TooSmall { file_bytes: 0 });
}

#[test]
fn the_crc_is_checked_before_anything_else() {
    let mut file = fixture_apr();
    let stored = get_u32(&file, file.len() - 4);
    file[0] = b'X'; // a bad magic too, but the CRC comes first
    let computed = apr_format::crc32(&file[..file.len() - 4]);
    assert_eq!(refused(&file), ModelError::CrcMismatch { stored, computed });
    assert_eq!(
        refused(&file).to_string(),
        format!("model CRC32 mismatch: stored 0x{stored:08x}, computed 0x{computed:08x}")
    );
    let mut file = fixture_apr();
    let last = file.len() - 1;
    file[last] ^= 1;
    assert!(matches!(refused(&file), ModelError::CrcMismatch { .. }));
}

#[test]
fn magic_version_type_sizes_and_compression_are_checked_in_order() {
    let base = fixture_apr();
    let edit = |f: &dyn Fn(&mut Vec<u8>)| {
        let mut file = base.clone();
        f(&mut file);
        with_fixed_crc(file)
    };

    let file = edit(&|f| f[0..4].copy_from_slice(b"APR\0"));
    assert_eq!(refused(&file).to_string(), "model magic is 41 50 52 00, expected 41 50 52 4e (\"APRN\")");
    // Magic before version.
    let file = edit(&|f| {
        f[3] = b'X';
        f[4] = 9;
    });
    assert!(matches!(refused(&file), ModelError::BadMagic(_)));

    let file = edit(&|f| f[4] = 2);
    assert_eq!(refused(&file).to_string(), "model format version 2.0 is not supported (major version 1 at most)");
    // Version before model type.
    let file = edit(&|f| {
        f[4] = 3;
        set_u16(f, 6, 6);
    });
    assert_eq!(refused(&file), ModelError::UnsupportedVersion { major: 3, minor: 0 });
    // apr-format reads any 1.x (and 0.x): so do we.
    assert!(wine_model_from_apr(&edit(&|f| f[5] = 7)).is_ok());
    assert!(apr_v1::read_linear_regression(&edit(&|f| f[4] = 0)).is_ok());

    let file = edit(&|f| set_u16(f, 6, 0x0006));
    assert_eq!(refused(&file).to_string(), "model type is 0x0006, expected 0x0001 (LinearRegression)");
    let file = edit(&|f| {
        set_u16(f, 6, 0x1234);
        set_u32(f, 12, 1 << 30);
    });
    assert_eq!(refused(&file), ModelError::WrongModelType(0x1234));

    let payload = get_u32(&base, 12);
    let file = edit(&|f| set_u32(f, 12, payload + 1));
    assert_eq!(
        refused(&file).to_string(),
        format!(
            "model sizes exceed the file: 32 header + {} metadata + {} payload + 4 CRC32 bytes > {} bytes",
            get_u32(&base, 8),
            payload + 1,
            base.len()
        )
    );
    let file = edit(&|f| set_u32(f, 8, u32::MAX));
    assert!(matches!(refused(&file), ModelError::SizesExceedFile { .. }));

    let file = edit(&|f| f[20] = 0x01);
    assert_eq!(refused(&file).to_string(), "model payload compression 0x01 is not supported (only 0x00, none)");
    assert_eq!(refused(&edit(&|f| f[20] = 0x03)), ModelError::UnsupportedCompression(3));
    assert_eq!(refused(&edit(&|f| f[20] = 0x7f)), ModelError::UnsupportedCompression(0x7f));

    let file = edit(&|f| set_u32(f, 16, (1 << 30) + 1));
    assert_eq!(
        refused(&file).to_string(),
        "model declares an uncompressed payload of 1073741825 bytes, above the 1 GiB limit"
    );
}

#[test]
fn the_payload_must_be_a_linear_regression() {
    let base = fixture_apr();
    let payload_start = 32 + get_u32(&base, 8) as usize;
    let edit = |f: &dyn Fn(&mut Vec<u8>)| {
        let mut file = base.clone();
        f(&mut file);
        with_fixed_crc(file)
    };
    let message = refused(&edit(&|f| f[payload_start] = 2)).to_string();
    assert!(message.starts_with("model payload is not a LinearRegression: "), "{message}");
    // A coefficient count beyond the payload.
    let message = refused(&edit(&|f| f[payload_start + 1] = 0xff)).to_string();
    assert!(message.starts_with("model payload is not a LinearRegression: "), "{message}");
    // fit_intercept is a bool: 0 or 1.
    let last_payload_byte = base.len() - 5;
    assert!(matches!(refused(&edit(&|f| f[last_payload_byte] = 2)), ModelError::Payload(_)));
}

#[test]
fn the_metadata_must_be_messagepack_metadata() {
    let base = fixture_apr();
    let edit = |f: &dyn Fn(&mut Vec<u8>)| {
        let mut file = base.clone();
        f(&mut file);
        with_fixed_crc(file)
    };
    // A string where the metadata map should be.
    let message = refused(&edit(&|f| f[32] = 0xa3)).to_string();
    assert!(message.starts_with("model metadata is not valid: "), "{message}");
    // The reserved marker.
    assert!(matches!(refused(&edit(&|f| f[32] = 0xc1)), ModelError::Metadata(_)));
}

#[test]
fn the_model_must_be_a_wine_model() {
    let not_wine = |file: Vec<u8>| refused(&file).to_string();
    assert_eq!(
        not_wine(apr_bytes_with(&fixture_payload(), vec![])),
        "model is not a wine model: the metadata has no custom.wine_quality"
    );
    assert_eq!(
        not_wine(apr_bytes_with(&fixture_payload(), vec![("wine_quality", json!([1, 2]))])),
        "model is not a wine model: custom.wine_quality must be an object, got array"
    );
    assert_eq!(
        not_wine(fixture_apr_with_wine_quality(|w| {
            w.remove("feature_means");
        })),
        "model is not a wine model: custom.wine_quality has no feature_means"
    );
    let renamed = not_wine(fixture_apr_with_wine_quality(|w| {
        w["feature_names"][8] = json!("ph");
    }));
    assert!(
        renamed.starts_with("model is not a wine model: custom.wine_quality.feature_names is [\"fixed_acidity\","),
        "{renamed}"
    );
    assert_eq!(
        not_wine(fixture_apr_with_wine_quality(|w| {
            w["feature_mins"].as_array_mut().unwrap().pop();
        })),
        "model is not a wine model: custom.wine_quality.feature_mins has 10 values, expected 11"
    );
    assert_eq!(
        not_wine(fixture_apr_with_wine_quality(|w| {
            w["feature_maxs"][2] = json!("1.0");
        })),
        "model is not a wine model: custom.wine_quality.feature_maxs[2] is \"1.0\", not a finite number"
    );
    assert_eq!(
        not_wine(fixture_apr_with_wine_quality(|w| {
            w.insert("feature_means".into(), json!(5));
        })),
        "model is not a wine model: custom.wine_quality.feature_means must be an array, got number"
    );
    assert_eq!(
        not_wine(fixture_apr_with_wine_quality(|w| {
            w["feature_mins"][10] = json!(20.0);
        })),
        "model is not a wine model: custom.wine_quality.feature_mins[10] (alcohol) = 20 is above feature_maxs[10] = 14.9"
    );
    let mut payload = fixture_payload();
    payload.coefficients = None;
    assert_eq!(
        not_wine(apr_bytes_with(&payload, vec![("wine_quality", fixture_wine_quality())])),
        "model is not a wine model: the payload has no coefficients (model never fitted)"
    );
    payload.coefficients = Some(vec![1.0; 10]);
    assert_eq!(
        not_wine(apr_bytes_with(&payload, vec![("wine_quality", fixture_wine_quality())])),
        "model is not a wine model: it has 10 coefficients, expected 11"
    );
    let mut payload = fixture_payload();
    payload.coefficients.as_mut().unwrap()[4] = f32::NAN;
    assert_eq!(
        not_wine(apr_bytes_with(&payload, vec![("wine_quality", fixture_wine_quality())])),
        "model is not a wine model: coefficient 4 (chlorides) is NaN, not a finite number"
    );
    let mut payload = fixture_payload();
    payload.intercept = f32::INFINITY;
    assert_eq!(
        not_wine(apr_bytes_with(&payload, vec![("wine_quality", fixture_wine_quality())])),
        "model is not a wine model: the intercept is inf, not a finite number"
    );
}

// ---- our reader against apr-format ----

#[derive(serde::Deserialize)]
struct ReferencePayload {
    coefficients: Option<Vec<f32>>,
    intercept: f32,
    fit_intercept: bool,
}

/// apr-format's reading of a file, in our terms: payload and metadata both decoded, or refused.
fn reference_reading(file: &[u8]) -> Option<DecodedApr> {
    let payload: ReferencePayload = apr_format::load_from_bytes(file, apr_format::ModelType::LinearRegression).ok()?;
    let info = apr_format::inspect_bytes(file).ok()?;
    Some(DecodedApr {
        coefficients: payload.coefficients,
        intercept: payload.intercept,
        fit_intercept: payload.fit_intercept,
        wine_quality: info.metadata.custom.get("wine_quality").cloned(),
    })
}

/// Compares the two readers on one file; returns false when the file uses metadata our reader
/// deliberately does not read (and then says nothing about it).
fn same_decision(file: &[u8]) -> bool {
    let ours = apr_v1::read_linear_regression(file);
    if let Err(ModelError::Metadata(detail)) = &ours
        && detail.contains("not supported by this reader")
    {
        return false;
    }
    let reference = reference_reading(file);
    match (&ours, &reference) {
        (Ok(ours), Some(reference)) => {
            let bits = |c: &Option<Vec<f32>>| c.as_ref().map(|c| c.iter().map(|x| x.to_bits()).collect::<Vec<_>>());
            assert_eq!(bits(&ours.coefficients), bits(&reference.coefficients));
            assert_eq!(ours.intercept.to_bits(), reference.intercept.to_bits());
            assert_eq!(ours.fit_intercept, reference.fit_intercept);
            assert_eq!(ours.wine_quality, reference.wine_quality);
        }
        (Err(_), None) => {}
        _ => panic!(
            "readers disagree: ours {:?}, apr-format {}, file {:02x?}",
            ours.as_ref().map(|_| "accepts"),
            if reference.is_some() { "accepts" } else { "refuses" },
            file
        ),
    }
    true
}

/// Files apr-format writes with varied metadata.
fn varied_valid_files() -> Vec<Vec<u8>> {
    let mut files = vec![fixture_apr(), apr_wine_lambda::load::EMBEDDED_MODEL.to_vec()];
    let mut metadata = apr_format::Metadata {
        description: Some("ünïcode ✓".into()),
        training: Some(apr_format::TrainingInfo {
            samples: Some(1599),
            duration_ms: Some(12),
            source: Some("uci".into()),
        }),
        distillation: Some("sha256:0".into()),
        ..apr_format::Metadata::default()
    };
    metadata.hyperparameters.insert("alpha".into(), json!(0.5));
    metadata.metrics.insert("training".into(), json!({"rmse": 0.64, "r2": 0.36, "folds": [1, 2, 3], "none": null}));
    metadata.custom.insert("wine_quality".into(), fixture_wine_quality());
    metadata.custom.insert("other".into(), json!({"big": u64::MAX, "neg": -5, "f": 1.5e300}));
    let path = scratch_path("varied.apr");
    let options =
        apr_format::SaveOptions { compression: apr_format::Compression::None, metadata, quality_score: Some(90) };
    apr_format::save(&fixture_payload(), apr_format::ModelType::LinearRegression, &path, options).unwrap();
    files.push(std::fs::read(&path).unwrap());
    let mut payload = fixture_payload();
    payload.coefficients = None;
    payload.fit_intercept = false;
    files.push(apr_bytes_with(&payload, vec![]));
    files
}

#[test]
fn our_reader_decides_like_apr_format_on_valid_files() {
    for file in varied_valid_files() {
        assert!(reference_reading(&file).is_some());
        assert!(same_decision(&file));
    }
}

#[test]
fn our_reader_decides_like_apr_format_on_every_single_byte_corruption() {
    let mut compared = 0;
    for file in varied_valid_files() {
        for position in 0..file.len() {
            for flip in [0x01u8, 0x80, 0xff, 0x10] {
                let mut corrupted = file.clone();
                corrupted[position] ^= flip;
                // As stored (the CRC catches it) and with the CRC recomputed (the checks behind it).
                compared += usize::from(same_decision(&corrupted));
                compared += usize::from(same_decision(&with_fixed_crc(corrupted)));
            }
        }
        for len in 0..file.len() {
            compared += usize::from(same_decision(&file[..len]));
        }
    }
    assert!(compared > 20_000, "{compared}");
}

#[test]
fn our_reader_decides_like_apr_format_on_random_metadata_mutations() {
    let mut rng = Rng::new(0xA9F0_2024);
    let files = varied_valid_files();
    let mut compared = 0;
    for _ in 0..30_000 {
        let mut file = rng.pick(&files).clone();
        let metadata_len = get_u32(&file, 8) as usize;
        let payload_len = get_u32(&file, 12) as usize;
        // Mutate inside the metadata and payload, keep the header's sizes consistent, fix the CRC.
        for _ in 0..1 + rng.below(3) {
            let at = 32 + rng.below(metadata_len + payload_len);
            file[at] = match rng.below(4) {
                0 => rng.next_u64() as u8,
                1 => *rng.pick(&[
                    0xc0, 0xc1, 0xc2, 0xc3, 0xc4, 0xc7, 0xca, 0xcb, 0xd0, 0xd9, 0xdc, 0xde, 0x80, 0x90, 0xa0, 0xff,
                ]),
                2 => file[at].wrapping_add(1),
                _ => file[at] ^ (1 << rng.below(8)),
            };
        }
        compared += usize::from(same_decision(&with_fixed_crc(file)));
    }
    assert!(compared > 25_000, "{compared}");
}

#[test]
fn metadata_our_reader_leaves_to_apr_format_is_refused_with_a_clear_message() {
    let mut metadata = apr_format::Metadata::default();
    metadata.custom.insert("wine_quality".into(), fixture_wine_quality());
    let options = apr_format::SaveOptions::default().with_compression(apr_format::Compression::None);
    let options =
        apr_format::SaveOptions { metadata, ..options }.with_model_card(apr_format::ModelCard::new("wine", "1"));
    let path = scratch_path("card.apr");
    apr_format::save(&fixture_payload(), apr_format::ModelType::LinearRegression, &path, options).unwrap();
    let file = std::fs::read(&path).unwrap();
    assert!(reference_reading(&file).is_some());
    let error = apr_v1::read_linear_regression(&file).unwrap_err();
    assert_eq!(error.to_string(), "model metadata is not valid: field 'model_card' is not supported by this reader");
    let _: Value = json!(null);
}
