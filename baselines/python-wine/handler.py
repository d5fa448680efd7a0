"""The `python` function of the ladder: CPython and the standard library (plus msgpack, which the
project's .apr reader uses for the metadata) serving wine.apr's weights. The model is read from wine.apr
at init with the project's reader (apr_reader.py) and predicts in float32 in pure Python."""

import os

import float32_linear
import wine_lambda
from apr_reader import read_apr_file
from wine_rules import FEATURE_NAMES, WineModel

MODEL_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'wine.apr')


def load_model() -> WineModel:
    apr = read_apr_file(MODEL_PATH, FEATURE_NAMES)
    coefficients, intercept = list(apr.coefficients), apr.intercept
    return WineModel(
        coefficients=coefficients,
        feature_means=apr.statistics.feature_means,
        feature_mins=apr.statistics.feature_mins,
        feature_maxs=apr.statistics.feature_maxs,
        predict=lambda x: float32_linear.predict(coefficients, intercept, x),
    )


RUNTIME_HOOKS = wine_lambda.install_runtime_hooks()
lambda_handler = wine_lambda.WineFunction('python', load_model)
print(f'wine model: wine.apr read in {lambda_handler.model_load_us:.0f} us; {RUNTIME_HOOKS}', flush=True)
