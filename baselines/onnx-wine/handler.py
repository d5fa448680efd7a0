"""The `onnx` function of the ladder: ONNX Runtime running model.onnx, converted from wine.apr at build time
(convert_to_onnx.py). What the contract needs beside the prediction (feature names, training statistics,
the coefficients for the top factors) comes from the model's metadata, where the converter wrote it and
checked the coefficients against the graph's weight bit for bit."""

import json
import os

import numpy as np
import onnxruntime as ort

import wine_lambda
from wine_rules import FEATURE_NAMES, WineModel

MODEL_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'model.onnx')


def load_model() -> WineModel:
    session = ort.InferenceSession(MODEL_PATH, providers=['CPUExecutionProvider'])
    stats = json.loads(session.get_modelmeta().custom_metadata_map['wine_quality'])
    if stats['feature_names'] != list(FEATURE_NAMES):
        raise ValueError(f"model.onnx: feature_names {stats['feature_names']!r} are not the contract's")

    def predict(x):
        return float(session.run(None, {'features': np.array([x], dtype=np.float32)})[0][0, 0])

    return WineModel(coefficients=stats['coefficients'], feature_means=stats['feature_means'],
                     feature_mins=stats['feature_mins'], feature_maxs=stats['feature_maxs'], predict=predict)


RUNTIME_HOOKS = wine_lambda.install_runtime_hooks()
lambda_handler = wine_lambda.WineFunction('onnx', load_model)
print(f'wine model: onnxruntime {ort.__version__}, model.onnx loaded in {lambda_handler.model_load_us:.0f} us; '
      f'{RUNTIME_HOOKS}', flush=True)
