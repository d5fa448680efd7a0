"""The `numpy` function of the ladder: the `python` function with the prediction done by numpy in float32.
The model is read from wine.apr at init with the project's reader (apr_reader.py).

The products are summed in feature order (`np.add.accumulate`, which is sequential by definition), then the
bias added, as the .apr function computes it. `weights @ x` (a BLAS dot product, with its own order and
fused multiply-adds) or `np.sum` (pairwise summation) would be the shorter code, but for inputs far outside
the data they move the float32 result by more than the contract's 1e-4: measured with `weights @ x`,
density -1e6 answered 2 apart from the .apr function (test/ladder, parity payload "density far below its
range")."""

import os

import numpy as np

import wine_lambda
from apr_reader import read_apr_file
from wine_rules import FEATURE_NAMES, WineModel

MODEL_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'wine.apr')


def load_model() -> WineModel:
    apr = read_apr_file(MODEL_PATH, FEATURE_NAMES)
    weights = np.array(apr.coefficients, dtype=np.float32)
    bias = np.float32(apr.intercept)

    def predict(x):
        # Overflow to infinity is an answer the contract names (a non-finite prediction), not a warning.
        with np.errstate(over='ignore', invalid='ignore'):
            products = weights * np.array(x, dtype=np.float32)
            return float(np.add.accumulate(products)[-1] + bias)

    return WineModel(
        coefficients=[float(c) for c in weights],
        feature_means=apr.statistics.feature_means,
        feature_mins=apr.statistics.feature_mins,
        feature_maxs=apr.statistics.feature_maxs,
        predict=predict,
    )


RUNTIME_HOOKS = wine_lambda.install_runtime_hooks()
lambda_handler = wine_lambda.WineFunction('numpy', load_model)
print(f'wine model: numpy {np.__version__}, wine.apr read in {lambda_handler.model_load_us:.0f} us; '
      f'{RUNTIME_HOOKS}', flush=True)
