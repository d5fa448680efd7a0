"""wine.apr -> model.onnx: the linear model in float32 (features [N, 11] -> quality [N, 1]), with what the contract needs beside the prediction (feature names, training
means, minimums, maximums, and the coefficients, which the top factors weigh) in the model's
metadata_props as JSON.

    python convert_to_onnx.py --apr lambda-apr/model/wine.apr --out model.onnx

The graph computes as the .apr function does: Mul (the 11 products), CumSum along the features (their sum
in feature order), the last column, Add (the bias). A Gemm or MatMul node is the usual form, but onnxruntime
computes it with its own order of operations and fused multiply-adds, and for inputs far outside the data
that moved quality by up to 0.02, above the contract's 1e-4 (test/ladder's parity payloads, "citric_acid far
below its range (-1e6)"). The weights are the .apr file's float32 values, copied bit for bit; the metadata's coefficients are the
same values (checked after writing). Opset 17 and
IR version 8 are what onnxruntime 1.16 (the function's runtime) reads.
"""

import argparse
import json
import struct
import zlib

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from apr_reader import read_apr_file
from wine_rules import FEATURE_NAMES

OPSET = 17
IR_VERSION = 8
INPUT_NAME = 'features'
OUTPUT_NAME = 'quality'
METADATA_KEY = 'wine_quality'


def build_model(apr, apr_bytes: bytes) -> onnx.ModelProto:
    count = len(FEATURE_NAMES)
    weight = np.array(apr.coefficients, dtype=np.float32)
    bias = np.array([apr.intercept], dtype=np.float32)
    constants = [numpy_helper.from_array(np.array(value, dtype=np.int64), name) for name, value in (
        ('feature_axis', 1), ('last_start', [count - 1]), ('last_end', [count]), ('last_axes', [1]))]
    graph = helper.make_graph(
        nodes=[
            helper.make_node('Mul', [INPUT_NAME, 'weight'], ['products'], name='products'),
            helper.make_node('CumSum', ['products', 'feature_axis'], ['running_sums'], name='sum_in_feature_order'),
            helper.make_node('Slice', ['running_sums', 'last_start', 'last_end', 'last_axes'], ['dot'], name='dot'),
            helper.make_node('Add', ['dot', 'bias'], [OUTPUT_NAME], name='plus_bias'),
        ],
        name='wine_quality_linear',
        inputs=[helper.make_tensor_value_info(INPUT_NAME, TensorProto.FLOAT, ['batch', count])],
        outputs=[helper.make_tensor_value_info(OUTPUT_NAME, TensorProto.FLOAT, ['batch', 1])],
        initializer=[numpy_helper.from_array(weight, 'weight'), numpy_helper.from_array(bias, 'bias'), *constants],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid('', OPSET)],
                              producer_name='apr-lambda-bench convert_to_onnx.py')
    model.ir_version = IR_VERSION
    stats = apr.statistics
    helper.set_model_props(model, {METADATA_KEY: json.dumps({
        'feature_names': list(stats.feature_names),
        # Python floats holding the float32 values exactly; JSON keeps them exactly (shortest repr).
        'coefficients': list(apr.coefficients),
        'feature_means': stats.feature_means,
        'feature_mins': stats.feature_mins,
        'feature_maxs': stats.feature_maxs,
        'source': {'file': 'wine.apr', 'crc32': f'{zlib.crc32(apr_bytes[:-4]):08x}',
                   'aprender_version': apr.metadata['aprender_version'], 'created_at': apr.metadata['created_at']},
    })})
    onnx.checker.check_model(model, full_check=True)
    return model


def check_weights(path: str, apr) -> None:
    """The written file holds the .apr weights bit for bit."""
    model = onnx.load(path)
    arrays = {t.name: numpy_helper.to_array(t) for t in model.graph.initializer}
    as_bits = lambda values: [struct.pack('<f', v) for v in values]  # noqa: E731
    if as_bits(arrays['weight'].reshape(-1).tolist()) != as_bits(apr.coefficients):
        raise SystemExit(f'{path}: the weight differs from the .apr coefficients')
    if as_bits(arrays['bias'].tolist()) != as_bits([apr.intercept]):
        raise SystemExit(f'{path}: the bias differs from the .apr intercept')
    stats = json.loads({p.key: p.value for p in model.metadata_props}[METADATA_KEY])
    if as_bits(stats['coefficients']) != as_bits(arrays['weight'].reshape(-1).tolist()):
        raise SystemExit(f'{path}: the metadata coefficients differ from the weight')


def main():
    parser = argparse.ArgumentParser(description='Convert wine.apr to model.onnx')
    parser.add_argument('--apr', required=True)
    parser.add_argument('--out', required=True)
    args = parser.parse_args()
    with open(args.apr, 'rb') as handle:
        apr_bytes = handle.read()
    apr = read_apr_file(args.apr, FEATURE_NAMES)
    onnx.save(build_model(apr, apr_bytes), args.out)
    check_weights(args.out, apr)
    print(f'convert_to_onnx: {args.out} written (onnx {onnx.__version__}, opset {OPSET}, IR {IR_VERSION})')


if __name__ == '__main__':
    main()
