"""The linear model's prediction in float32 arithmetic, in pure Python: `intercept + sum(c[i] * x[i])`,
the products summed in feature order, then the intercept, each operation rounded to float32, which is
how lambda-apr/src/predict.rs computes it.

Python floats are float64. A float32 product or sum computed in float64 and then rounded to float32 is
the correctly rounded float32 result: float64 carries more than 2 x 24 + 2 significand bits, so rounding
twice cannot differ from rounding once (S. A. Figueroa, "When is double rounding innocuous?",
SIGNUM Newsletter 30(3), 1995).
"""

import math
from typing import Sequence

from wine_rules import to_float32


def predict(coefficients: Sequence[float], intercept: float, x: Sequence[float]) -> float:
    """`coefficients`, `intercept` and `x` hold float32 values. Returns the float32 prediction, or
    infinity/NaN when float32 overflows (the contract then answers `inputs produce a non-finite
    prediction`)."""
    total = 0.0
    for c, value in zip(coefficients, x):
        total = _f32(total + _f32(c * value))
    return _f32(total + intercept)


def _f32(value: float) -> float:
    if not math.isfinite(value):
        return value
    single = to_float32(value)
    # to_float32 answers None where the float32 would be infinite: overflow, as float32 hardware gives it.
    return math.copysign(math.inf, value) if single is None else single
