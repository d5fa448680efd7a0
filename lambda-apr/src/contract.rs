//! Constants of the function contract (docs/CONTRACT.md) shared by the request parser, the
//! predictor and the model reader.

/// Number of input features of the wine model.
pub const FEATURE_COUNT: usize = 11;

/// Feature names in model order; also the request field names (pH may also arrive as `ph`).
pub const FEATURE_NAMES: [&str; FEATURE_COUNT] = [
    "fixed_acidity",
    "volatile_acidity",
    "citric_acid",
    "residual_sugar",
    "chlorides",
    "free_sulfur_dioxide",
    "total_sulfur_dioxide",
    "density",
    "pH",
    "sulphates",
    "alcohol",
];

/// Position of `pH`, the one feature with a second accepted spelling.
pub const PH_INDEX: usize = 8;

/// The alternative spelling of `pH` that requests may use instead.
pub const PH_ALTERNATIVE_SPELLING: &str = "ph";

/// Largest event (or decoded proxy body) accepted: Lambda's 6 MB synchronous payload limit.
pub const MAX_EVENT_BYTES: usize = 6_291_456;

/// Value of the `runtime` response field.
pub const RUNTIME_NAME: &str = "apr";

/// `errorType` of every request failure.
pub const INVALID_INPUT_ERROR_TYPE: &str = "InvalidInput";

/// `errorType` reported through `POST /runtime/init/error` when the model cannot be used.
pub const INVALID_MODEL_ERROR_TYPE: &str = "Runtime.InvalidModel";
