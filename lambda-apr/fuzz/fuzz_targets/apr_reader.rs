//! The .apr reader, differentially: our reader (src/apr_v1.rs) must accept exactly what apr-format
//! accepts and decode the same values; the configured loader must never panic. The first byte
//! chooses whether the CRC32 trailer is taken as given or recomputed, so that the checks behind
//! the CRC are reached.
#![no_main]

use apr_wine_lambda::apr_v1::read_linear_regression;
use apr_wine_lambda::load::wine_model_from_apr;
use apr_wine_lambda::model::ModelError;
use libfuzzer_sys::fuzz_target;

#[derive(serde::Deserialize)]
struct LinearRegression {
    coefficients: Option<Vec<f32>>,
    intercept: f32,
    fit_intercept: bool,
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else { return };
    let mut file = rest.to_vec();
    if mode & 1 == 1 {
        let crc = apr_format::crc32(&file);
        file.extend_from_slice(&crc.to_le_bytes());
    }
    let _ = wine_model_from_apr(&file);

    let ours = read_linear_regression(&file);
    if let Err(ModelError::Metadata(detail)) = &ours {
        if detail.contains("not supported by this reader") {
            return;
        }
    }
    let payload = apr_format::load_from_bytes::<LinearRegression>(&file, apr_format::ModelType::LinearRegression);
    let info = apr_format::inspect_bytes(&file);
    match (&ours, payload, info) {
        (Ok(ours), Ok(payload), Ok(info)) => {
            let bits = |c: &Option<Vec<f32>>| c.as_ref().map(|c| c.iter().map(|x| x.to_bits()).collect::<Vec<_>>());
            assert_eq!(bits(&ours.coefficients), bits(&payload.coefficients));
            assert_eq!(ours.intercept.to_bits(), payload.intercept.to_bits());
            assert_eq!(ours.fit_intercept, payload.fit_intercept);
            assert_eq!(ours.wine_quality.as_ref(), info.metadata.custom.get("wine_quality"));
        }
        (Err(_), Err(_), _) | (Err(_), _, Err(_)) => {}
        (ours, payload, info) => panic!(
            "readers disagree: ours {:?}, apr-format payload {:?}, metadata {:?}",
            ours.as_ref().map(|_| "accepted"),
            payload.map(|_| "accepted"),
            info.map(|_| "accepted")
        ),
    }
});
