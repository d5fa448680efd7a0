//! docs/CONTRACT.md, checked through `Handler::handle`: answers, proxy events and every error
//! message, byte for byte.

mod common;

use apr_wine_lambda::contract::MAX_EVENT_BYTES;
use apr_wine_lambda::handler::{Handler, Outcome};
use apr_wine_lambda::load::{ModelSource, load_model};
use apr_wine_lambda::model::WineModel;
use apr_wine_lambda::predict::{category, top_factors};
use base64::Engine as _;
use common::*;
use serde_json::{Value, json};

/// A direct event's answer as JSON, or its error message.
fn direct(handler: &Handler, event: &[u8]) -> Result<Value, String> {
    match handler.handle(event) {
        Outcome::Response(body) => Ok(serde_json::from_slice(&body).expect("answers are JSON")),
        Outcome::InvalidInput(error) => Err(error.to_string()),
    }
}

/// A proxy event's HTTP answer: (statusCode, parsed body).
fn proxy(handler: &Handler, event: &Value) -> (u64, Value) {
    let Outcome::Response(answer) = handler.handle(event.to_string().as_bytes()) else {
        panic!("a proxy event never fails the invocation: {event}");
    };
    let answer: Value = serde_json::from_slice(&answer).expect("JSON");
    assert_eq!(answer["headers"], json!({"content-type": "application/json"}), "{answer}");
    let body = answer["body"].as_str().expect("body is a string");
    (answer["statusCode"].as_u64().expect("statusCode"), serde_json::from_str(body).expect("body is JSON"))
}

fn reference() -> serde_json::Map<String, Value> {
    serde_json::from_str(REFERENCE_PAYLOAD).unwrap()
}

fn event_with(edit: impl FnOnce(&mut serde_json::Map<String, Value>)) -> Vec<u8> {
    let mut event = reference();
    edit(&mut event);
    Value::Object(event).to_string().into_bytes()
}

fn without_timings(mut answer: Value) -> Value {
    let object = answer.as_object_mut().unwrap();
    assert!(object.remove("inference_us").unwrap().as_f64().unwrap() >= 0.0);
    assert!(object.remove("model_load_us").unwrap().as_f64().unwrap() >= 0.0);
    answer
}

#[test]
fn reference_payload_gives_the_independently_computed_answer() {
    // Expected values computed with numpy float32 from the same coefficients and data statistics.
    let answer = direct(&fixture_handler(), REFERENCE_PAYLOAD.as_bytes()).unwrap();
    assert_eq!(answer["quality"].as_f64().unwrap() as f32, 5.796692_f32);
    assert_eq!(answer["category"], "Average");
    assert_eq!(answer["confidence"], 1.0);
    assert_eq!(answer["top_factors"], json!(["volatile_acidity", "total_sulfur_dioxide", "chlorides"]));
    assert_eq!(answer["runtime"], "apr");
    assert_eq!(answer["model_load_us"], 1.0);
    assert!(answer["inference_us"].as_f64().unwrap() >= 0.0);
    let keys: Vec<&str> = answer.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys.len(), 7, "{keys:?}");
}

#[test]
fn embedded_model_answers_the_reference_payload_as_apr_format_reads_it() {
    let model = load_model(ModelSource::Embedded).expect("the embedded model is valid");
    // An independent reading of the same file with the reference implementation.
    #[derive(serde::Deserialize)]
    struct Lr {
        coefficients: Option<Vec<f32>>,
        intercept: f32,
    }
    let lr: Lr =
        apr_format::load_from_bytes(apr_wine_lambda::load::EMBEDDED_MODEL, apr_format::ModelType::LinearRegression)
            .unwrap();
    let info = apr_format::inspect_bytes(apr_wine_lambda::load::EMBEDDED_MODEL).unwrap();
    let wine_quality = &info.metadata.custom["wine_quality"];
    assert_eq!(wine_quality["feature_names"], json!(FEATURE_NAMES));
    let coefficients = lr.coefficients.unwrap();
    assert_eq!(model.coefficients.to_vec(), coefficients);
    let x: Vec<f32> = FEATURE_NAMES.iter().map(|n| reference()[*n].as_f64().unwrap() as f32).collect();
    let expected = coefficients.iter().zip(&x).fold(0.0f32, |s, (c, x)| s + c * x) + lr.intercept;

    let answer = direct(&Handler::new(model, 3.5), REFERENCE_PAYLOAD.as_bytes()).unwrap();
    assert_eq!(answer["quality"].as_f64().unwrap() as f32, expected);
    assert_eq!(answer["category"], category(expected));
    assert_eq!(answer["runtime"], "apr");
    assert_eq!(answer["model_load_us"], 3.5);
}

#[test]
fn ph_may_be_spelled_ph_but_not_both() {
    let handler = fixture_handler();
    let upper = direct(&handler, REFERENCE_PAYLOAD.as_bytes()).unwrap();
    let lower = direct(
        &handler,
        &event_with(|e| {
            let value = e.remove("pH").unwrap();
            e.insert("ph".into(), value);
        }),
    )
    .unwrap();
    assert_eq!(without_timings(upper.clone()), without_timings(lower));
    assert_eq!(
        direct(
            &handler,
            &event_with(|e| {
                e.insert("ph".into(), json!(3.3));
            })
        ),
        Err("fields 'pH' and 'ph' are both present; send one".into())
    );
    // Both spellings checked before any field: even with other fields missing.
    assert_eq!(direct(&handler, br#"{"ph":1,"pH":2}"#), Err("fields 'pH' and 'ph' are both present; send one".into()));
}

#[test]
fn oversized_events_are_refused_by_size_first() {
    let handler = fixture_handler();
    assert_eq!(MAX_EVENT_BYTES, 6_291_456);
    let expected: Result<Value, String> = Err("request body is larger than 6291456 bytes".into());
    // A valid request padded to exactly the limit is served; one byte more is refused.
    let base = REFERENCE_PAYLOAD.len() + r#","pad":"""#.len();
    let at_limit = format!(
        "{},\"pad\":\"{}\"}}",
        &REFERENCE_PAYLOAD[..REFERENCE_PAYLOAD.len() - 1],
        "x".repeat(MAX_EVENT_BYTES - base)
    );
    assert_eq!(at_limit.len(), MAX_EVENT_BYTES);
    assert!(direct(&handler, at_limit.as_bytes()).is_ok());
    let over = format!(
        "{},\"pad\":\"{}\"}}",
        &REFERENCE_PAYLOAD[..REFERENCE_PAYLOAD.len() - 1],
        "x".repeat(MAX_EVENT_BYTES - base + 1)
    );
    assert_eq!(direct(&handler, over.as_bytes()), expected);
    // Size comes before JSON validity.
    assert_eq!(direct(&handler, &vec![b'!'; MAX_EVENT_BYTES + 1]), expected);
}

#[test]
fn invalid_json_is_named_with_the_parser_detail() {
    let handler = fixture_handler();
    for event in [
        &b"{"[..],
        b"",
        b"{\"fixed_acidity\": NaN}",
        b"{\"fixed_acidity\": Infinity}",
        b"{\"fixed_acidity\": -Infinity}",
        b"{\"a\": 1e400}",
        b"{\"a\":1}x",
        b"{'a':1}",
        b"\xff\xfe{}",
        b"{\"a\":\"\xff\"}",
    ] {
        let message = direct(&handler, event).unwrap_err();
        let detail = message.strip_prefix("request body is not valid JSON: ").unwrap_or_else(|| panic!("{message}"));
        assert!(!detail.is_empty(), "{message}");
    }
}

#[test]
fn non_objects_are_named_by_kind() {
    let handler = fixture_handler();
    for (event, kind) in
        [("null", "null"), ("true", "boolean"), ("1.5", "number"), ("\"x\"", "string"), ("[1]", "array")]
    {
        assert_eq!(direct(&handler, event.as_bytes()), Err(format!("request must be a JSON object, got {kind}")));
    }
}

#[test]
fn missing_fields_are_named_in_feature_order() {
    let handler = fixture_handler();
    for name in FEATURE_NAMES {
        let event = event_with(|e| {
            e.remove(name);
        });
        assert_eq!(direct(&handler, &event), Err(format!("missing field '{name}'")));
    }
    assert_eq!(direct(&handler, b"{}"), Err("missing field 'fixed_acidity'".into()));
    // The first offending feature is named, whatever the failure of later ones.
    let event = event_with(|e| {
        e.remove("citric_acid");
        e.insert("alcohol".into(), json!("strong"));
    });
    assert_eq!(direct(&handler, &event), Err("missing field 'citric_acid'".into()));
    let event = event_with(|e| {
        e.insert("fixed_acidity".into(), json!("7"));
        e.remove("alcohol");
    });
    assert_eq!(direct(&handler, &event), Err("field 'fixed_acidity' must be a number, got string".into()));
}

#[test]
fn non_numbers_are_named_with_the_name_as_sent_and_their_kind() {
    let handler = fixture_handler();
    for (value, kind) in [
        (json!(null), "null"),
        (json!(false), "boolean"),
        (json!("3.3"), "string"),
        (json!([3.3]), "array"),
        (json!({"v": 3.3}), "object"),
    ] {
        for name in FEATURE_NAMES {
            let event = event_with(|e| {
                e.insert(name.into(), value.clone());
            });
            assert_eq!(direct(&handler, &event), Err(format!("field '{name}' must be a number, got {kind}")));
        }
        let event = event_with(|e| {
            e.remove("pH");
            e.insert("ph".into(), value.clone());
        });
        assert_eq!(direct(&handler, &event), Err(format!("field 'ph' must be a number, got {kind}")));
    }
}

#[test]
fn values_beyond_float32_are_refused() {
    let handler = fixture_handler();
    for text in ["1e39", "-1e39", "3.5e38", "340282356779733661637539395458142568448"] {
        let event = REFERENCE_PAYLOAD.replace("\"alcohol\":10.5", &format!("\"alcohol\":{text}"));
        assert_eq!(
            direct(&handler, event.as_bytes()),
            Err("field 'alcohol' must be a finite number within float32 range".into()),
            "{text}"
        );
    }
    let event = REFERENCE_PAYLOAD.replace("\"pH\":3.3", "\"ph\":1e39");
    assert_eq!(
        direct(&handler, event.as_bytes()),
        Err("field 'ph' must be a finite number within float32 range".into())
    );
    // f32::MAX itself and integers are numbers like any other.
    let event = REFERENCE_PAYLOAD.replace("\"alcohol\":10.5", "\"alcohol\":11");
    assert!(direct(&handler, event.as_bytes()).is_ok());
}

#[test]
fn a_feature_beyond_float64_is_named_like_one_beyond_float32() {
    let handler = fixture_handler();
    let field_error = |name: &str| Err(format!("field '{name}' must be a finite number within float32 range"));
    for text in ["1e400", "-1e400", &format!("1{}", "0".repeat(400))] {
        let event = REFERENCE_PAYLOAD.replace("\"alcohol\":10.5", &format!("\"alcohol\":{text}"));
        assert_eq!(direct(&handler, event.as_bytes()), field_error("alcohol"), "{text}");
    }
    let event = REFERENCE_PAYLOAD.replace("\"pH\":3.3", "\"ph\" : 1e400");
    assert_eq!(direct(&handler, event.as_bytes()), field_error("ph"));
    // Feature order still decides: an earlier feature's failure is the one named.
    let event = REFERENCE_PAYLOAD.replace("\"alcohol\":10.5", "\"alcohol\":1e400").replace("\"fixed_acidity\":7.0", "\"fixed_acidity\":\"x\"");
    assert_eq!(direct(&handler, event.as_bytes()), Err("field 'fixed_acidity' must be a number, got string".into()));
    // Anywhere else an out-of-range number is still a JSON error: an ignored field, nested, a value a duplicate replaces.
    for event in [
        REFERENCE_PAYLOAD.replace("\"alcohol\":10.5", "\"alcohol\":10.5,\"x\":-1e400"),
        REFERENCE_PAYLOAD.replace("\"alcohol\":10.5", "\"alcohol\":[1e400]"),
        REFERENCE_PAYLOAD.replace("\"alcohol\":10.5", "\"alcohol\":1e400,\"alcohol\":10.5"),
    ] {
        let message = direct(&handler, event.as_bytes()).unwrap_err();
        assert!(message.starts_with("request body is not valid JSON: number out of range"), "{event}: {message}");
    }
    // In a proxy body too.
    let body = REFERENCE_PAYLOAD.replace("\"alcohol\":10.5", "\"alcohol\":1e400");
    let (status, answer) = proxy(&handler, &json!({"body": body}));
    assert_eq!((status, answer["errorMessage"].as_str()), (400, Some("field 'alcohol' must be a finite number within float32 range")));
}

#[test]
fn a_non_finite_prediction_is_refused() {
    let handler = fixture_handler();
    // density's coefficient is about -17.9: 3e38 times it overflows float32.
    let event = REFERENCE_PAYLOAD.replace("\"density\":0.995", "\"density\":3e38");
    assert_eq!(direct(&handler, event.as_bytes()), Err("inputs produce a non-finite prediction".into()));
}

#[test]
fn other_fields_are_ignored() {
    let handler = fixture_handler();
    let plain = direct(&handler, REFERENCE_PAYLOAD.as_bytes()).unwrap();
    let extra = direct(
        &handler,
        &event_with(|e| {
            e.insert("note".into(), json!({"nested": [1, 2, null]}));
            e.insert("isBase64Encoded".into(), json!(true));
        }),
    )
    .unwrap();
    assert_eq!(without_timings(plain), without_timings(extra));
}

#[test]
fn proxy_events_answer_http_200_with_the_same_answer() {
    let handler = fixture_handler();
    let direct_answer = without_timings(direct(&handler, REFERENCE_PAYLOAD.as_bytes()).unwrap());
    let encoded = base64::engine::general_purpose::STANDARD.encode(REFERENCE_PAYLOAD);
    for event in [
        json!({"body": REFERENCE_PAYLOAD}),
        json!({"body": REFERENCE_PAYLOAD, "isBase64Encoded": false}),
        json!({"body": encoded, "isBase64Encoded": true, "requestContext": {"http": {"method": "POST"}}}),
        // Only a JSON true means encoded.
        json!({"body": REFERENCE_PAYLOAD, "isBase64Encoded": "true"}),
    ] {
        let (status, body) = proxy(&handler, &event);
        assert_eq!(status, 200, "{event}");
        assert_eq!(without_timings(body), direct_answer);
    }
}

#[test]
fn proxy_failures_are_http_400_with_the_same_messages() {
    let handler = fixture_handler();
    let b64 = |bytes: &[u8]| base64::engine::general_purpose::STANDARD.encode(bytes);
    let cases = vec![
        (json!({"body": null}), "field 'body' must be a string, got null".to_owned()),
        (json!({"body": true}), "field 'body' must be a string, got boolean".into()),
        (json!({"body": 1}), "field 'body' must be a string, got number".into()),
        (json!({"body": [REFERENCE_PAYLOAD]}), "field 'body' must be a string, got array".into()),
        (json!({"body": reference()}), "field 'body' must be a string, got object".into()),
        (json!({"body": "e30", "isBase64Encoded": true}), "request body is not valid base64".into()),
        (json!({"body": "e30=\n", "isBase64Encoded": true}), "request body is not valid base64".into()),
        (json!({"body": b64(b"\xff\xfe{}"), "isBase64Encoded": true}), "request body is not valid UTF-8".into()),
        (json!({"body": "[1]"}), "request must be a JSON object, got array".into()),
        (json!({"body": b64(b"\"s\""), "isBase64Encoded": true}), "request must be a JSON object, got string".into()),
        (json!({"body": "{}"}), "missing field 'fixed_acidity'".into()),
        (
            json!({"body": REFERENCE_PAYLOAD.replace("\"pH\":3.3", "\"pH\":3.3,\"ph\":3.3")}),
            "fields 'pH' and 'ph' are both present; send one".into(),
        ),
        (
            json!({"body": REFERENCE_PAYLOAD.replace("10.5", "\"10.5\"")}),
            "field 'alcohol' must be a number, got string".into(),
        ),
        (
            json!({"body": REFERENCE_PAYLOAD.replace("10.5", "1e39")}),
            "field 'alcohol' must be a finite number within float32 range".into(),
        ),
        (
            json!({"body": REFERENCE_PAYLOAD.replace("\"density\":0.995", "\"density\":3e38")}),
            "inputs produce a non-finite prediction".into(),
        ),
    ];
    for (event, message) in cases {
        let (status, body) = proxy(&handler, &event);
        assert_eq!(status, 400, "{event}");
        assert_eq!(body, json!({"errorType": "InvalidInput", "errorMessage": message}), "{event}");
    }
    // The body's JSON error carries the parser detail after the common prefix.
    let (status, body) = proxy(&handler, &json!({"body": "{"}));
    assert_eq!(status, 400);
    assert!(body["errorMessage"].as_str().unwrap().starts_with("request body is not valid JSON: "));
    // The exact bytes of a 400 answer: key order as in the contract.
    let Outcome::Response(raw) = handler.handle(br#"{"body":1}"#) else { panic!() };
    assert_eq!(
        String::from_utf8(raw).unwrap(),
        r#"{"statusCode":400,"headers":{"content-type":"application/json"},"body":"{\"errorType\":\"InvalidInput\",\"errorMessage\":\"field 'body' must be a string, got number\"}"}"#
    );
}

#[test]
fn direct_failures_are_invocation_errors() {
    let handler = fixture_handler();
    match handler.handle(b"[]") {
        Outcome::InvalidInput(error) => assert_eq!(error.to_string(), "request must be a JSON object, got array"),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        String::from_utf8(apr_wine_lambda::handler::error_document("bad \"x\"", "InvalidInput")).unwrap(),
        r#"{"errorMessage":"bad \"x\"","errorType":"InvalidInput","stackTrace":[]}"#
    );
}

#[test]
fn categories_follow_the_thresholds() {
    for (quality, expected) in [
        (-3.0, "Poor"),
        (4.9999995, "Poor"),
        (5.0, "Average"),
        (6.9999995, "Average"),
        (7.0, "Good"),
        (7.9999995, "Good"),
        (8.0, "Excellent"),
        (12.0, "Excellent"),
    ] {
        assert_eq!(category(quality), expected, "{quality}");
    }
}

#[test]
fn confidence_counts_inputs_inside_the_inclusive_training_range() {
    let handler = fixture_handler();
    let confidence = |edit: &dyn Fn(&mut serde_json::Map<String, Value>)| {
        let mut event = reference();
        edit(&mut event);
        direct(&handler, Value::Object(event).to_string().as_bytes()).unwrap()["confidence"].as_f64().unwrap()
    };
    assert_eq!(confidence(&|_| {}), 1.0);
    assert_eq!(
        confidence(&|e| {
            e.insert("alcohol".into(), json!(14.9));
            e.insert("citric_acid".into(), json!(0));
        }),
        1.0
    );
    assert_eq!(
        confidence(&|e| {
            e.insert("alcohol".into(), json!(14.900000000000002));
        }),
        10.0 / 11.0
    );
    assert_eq!(
        confidence(&|e| {
            e.insert("citric_acid".into(), json!(-0.0000001));
            e.insert("density".into(), json!(2));
        }),
        9.0 / 11.0
    );
    let all_out = confidence(&|e| {
        for name in FEATURE_NAMES {
            e.insert(name.into(), json!(1000));
        }
    });
    assert_eq!(all_out, 0.0);
}

#[test]
fn top_factors_rank_by_impact_and_keep_feature_order_on_ties() {
    let model = WineModel {
        coefficients: [1.0; 11],
        intercept: 0.0,
        feature_means: [0.0; 11],
        feature_mins: [0.0; 11],
        feature_maxs: [1.0; 11],
    };
    // All equal: the first three features.
    assert_eq!(top_factors(&model, &[2.0; 11]), ["fixed_acidity", "volatile_acidity", "citric_acid"]);
    // Sign does not matter, magnitude does; ties among the rest keep feature order.
    let mut x = [1.0; 11];
    x[10] = -5.0;
    x[8] = 5.0;
    x[3] = 2.0;
    assert_eq!(top_factors(&model, &x), ["pH", "alcohol", "residual_sugar"]);
    // pH is named pH even when the request spelled it ph.
    let handler = Handler::new(model, 0.0);
    let event = json!({"fixed_acidity":1,"volatile_acidity":1,"citric_acid":1,"residual_sugar":1,"chlorides":1,
        "free_sulfur_dioxide":1,"total_sulfur_dioxide":1,"density":1,"ph":9,"sulphates":1,"alcohol":1});
    assert_eq!(direct(&handler, event.to_string().as_bytes()).unwrap()["top_factors"][0], "pH");
}

#[test]
fn duplicate_keys_take_the_last_value_like_python() {
    let handler = fixture_handler();
    let event = REFERENCE_PAYLOAD.replace("\"alcohol\":10.5", "\"alcohol\":\"x\",\"alcohol\":10.5");
    assert!(direct(&handler, event.as_bytes()).is_ok());
}
