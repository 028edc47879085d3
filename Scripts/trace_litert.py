"""Where LiteRT's default (XNNPACK) kernels part from its reference kernels, layer by layer, for one window.

    .venv-edge/bin/python Scripts/trace_litert.py VERIFICATION_DIR [--sample N]

VERIFICATION_DIR is a distill run's verification/ folder (Scripts/edge_litert.sh checks the same folder). The model
is rewritten in memory so every operator's output is also a graph output (XNNPACK then has to materialise it), run
with both op resolvers, and each tensor's largest difference in LSB is printed in graph order. Without --sample the
window whose logits differ most is traced. For convolutions and fully connected layers it also prints the
requantization's right shift and the share of values that the reference kernels' double rounding alone makes
differ by 1 LSB from XNNPACK's single float rounding, before any difference in their inputs (2^-(shift + 1)).
Diagnostic only: it passes or fails nothing.

    .venv-edge/bin/python Scripts/trace_litert.py VERIFICATION_DIR --coarsen logits=2 [--coarsen hidden=2 ...]

instead asks what a coarser activation scale would do: each named tensor's scale is multiplied by FACTOR (zero point
moved so the real minimum stays put, the int32 biases of the operators that read it rescaled to s_in x s_w), and
the largest logits difference over all windows is printed before and after.
"""
import argparse
import os
import sys

import flatbuffers
import numpy as np
from ai_edge_litert import interpreter as litert
from ai_edge_litert import schema_py_generated as schema

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import check_tflite  # noqa: E402  (the bundle reader shared with the checks)


def with_every_output(model):
    """The model's bytes with every operator output appended to the subgraph's outputs, and those tensors' names."""
    tree = schema.ModelT.InitFromPackedBuf(bytearray(model), 0)
    graph = tree.subgraphs[0]
    produced = [int(output) for op in graph.operators for output in op.outputs]
    original = [int(output) for output in graph.outputs]
    graph.outputs = np.array(original + [t for t in produced if t not in original], dtype=np.int32)
    builder = flatbuffers.Builder(1024)
    builder.Finish(tree.Pack(builder), file_identifier=b"TFL3")
    return bytes(builder.Output()), [graph.tensors[t].name.decode() for t in produced]


# CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED: the operators with an int32 bias at s_in x s_w.
WEIGHTED_OPERATORS = (3, 4, 9)


def coarsened(model, factors):
    """The model's bytes with the named activation tensors' scales multiplied by their factors."""
    tree = schema.ModelT.InitFromPackedBuf(bytearray(model), 0)
    graph = tree.subgraphs[0]
    index = {tensor.name.decode(): position for position, tensor in enumerate(graph.tensors)}
    for name, factor in factors.items():
        tensor = graph.tensors[index[name]]
        tensor.quantization.scale = [float(tensor.quantization.scale[0]) * factor]
        tensor.quantization.zeroPoint = [int(round((int(tensor.quantization.zeroPoint[0]) + 128) / factor)) - 128]
        for op in graph.operators:
            code = tree.operatorCodes[op.opcodeIndex].builtinCode
            if int(op.inputs[0]) == index[name] and code in WEIGHTED_OPERATORS and int(op.inputs[2]) >= 0:
                bias = graph.tensors[int(op.inputs[2])]
                buffer = tree.buffers[bias.buffer]
                values = np.frombuffer(bytes(buffer.data), dtype=np.int32).astype(np.float64) / factor
                buffer.data = np.round(values).astype(np.int32).tobytes()
                bias.quantization.scale = [float(scale) * factor for scale in bias.quantization.scale]
    builder = flatbuffers.Builder(1024)
    builder.Finish(tree.Pack(builder), file_identifier=b"TFL3")
    return bytes(builder.Output())


def double_rounding_shares(model):
    """For each CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED output: the right shifts of its requantization and the
    share of outputs on which the reference kernels' two roundings (to 2^-31, then half away from zero at the shift)
    part from one correct rounding of the same product, which XNNPACK computes in float: 2^-(shift + 1) per channel,
    averaged. Even with identical inputs the two kernels differ by 1 LSB on about that share of values."""
    tree = schema.ModelT.InitFromPackedBuf(bytearray(model), 0)
    graph = tree.subgraphs[0]
    shares = {}
    for op in graph.operators:
        if tree.operatorCodes[op.opcodeIndex].builtinCode not in WEIGHTED_OPERATORS:
            continue
        source, weights, output = (graph.tensors[int(op.inputs[0])], graph.tensors[int(op.inputs[1])],
                                   graph.tensors[int(op.outputs[0])])
        multipliers = (float(source.quantization.scale[0]) * np.asarray(weights.quantization.scale, dtype=np.float64)
                       / float(output.quantization.scale[0]))
        shifts = -np.frexp(multipliers)[1]
        shares[output.name.decode()] = (int(shifts.min()), int(shifts.max()), float(np.mean(2.0 ** -(shifts + 1))))
    return shares


def logits_differences(model, manifest, inputs):
    """Each window's largest default-minus-reference logits difference in LSB."""
    logits = manifest["outputs"][0]["name"]
    return [int(np.abs(run(model, manifest, row, litert.OpResolverType.AUTO)[logits]
                       - run(model, manifest, row, litert.OpResolverType.BUILTIN_REF)[logits]).max()) for row in inputs]


def worst_logits_difference(model, manifest, inputs):
    """The largest default-minus-reference logits difference in LSB over all windows."""
    return max(logits_differences(model, manifest, inputs))


def parse_factors(items, tensor_names, parser):
    """TENSOR=FACTOR arguments as a dict, refusing a malformed item, an unknown tensor or a factor <= 0."""
    factors = {}
    for item in items:
        name, _, factor = item.partition("=")
        try:
            factors[name] = float(factor)
        except ValueError:
            parser.error(f"--coarsen {item}: expected TENSOR=FACTOR, e.g. logits=2")
        if name not in tensor_names:
            parser.error(f"--coarsen {item}: the model has no tensor '{name}'")
        if factors[name] <= 0:
            parser.error(f"--coarsen {item}: the factor must be positive")
    return factors


def run(model, manifest, row, resolver):
    """Every output tensor of one invocation, by name."""
    interpreter = litert.Interpreter(model_content=model, experimental_op_resolver_type=resolver)
    interpreter.allocate_tensors()
    inputs = interpreter.get_input_details()
    for index, values in enumerate(check_tflite.split(row, manifest["inputs"])):
        interpreter.set_tensor(inputs[index]["index"], values.reshape(inputs[index]["shape"]))
    interpreter.invoke()
    return {o["name"]: interpreter.get_tensor(o["index"]).astype(np.int64) for o in interpreter.get_output_details()}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("directory")
    parser.add_argument("--sample", type=int)
    parser.add_argument("--coarsen", action="append", default=[], metavar="TENSOR=FACTOR")
    arguments = parser.parse_args()
    manifest, model, inputs, _ = check_tflite.load_bundle(arguments.directory)
    if arguments.coarsen:
        tree = schema.ModelT.InitFromPackedBuf(bytearray(model), 0)
        factors = parse_factors(arguments.coarsen, {tensor.name.decode() for tensor in tree.subgraphs[0].tensors}, parser)
        print(f"trace_litert: worst logits difference {worst_logits_difference(model, manifest, inputs)} LSB, "
              f"with {factors} coarser {worst_logits_difference(coarsened(model, factors), manifest, inputs)} LSB")
        return
    traced, names = with_every_output(model)
    sample = arguments.sample
    if sample is None:
        sample = int(np.argmax(logits_differences(model, manifest, inputs)))
    default = run(traced, manifest, inputs[sample], litert.OpResolverType.AUTO)
    reference = run(traced, manifest, inputs[sample], litert.OpResolverType.BUILTIN_REF)
    rounding = double_rounding_shares(model)
    print(f"trace_litert: sample {sample}, default (XNNPACK) minus reference kernels, per operator output; for weighted "
          "operators the requantization's right shift and the share its double rounding alone makes differ")
    for name in names:
        difference = np.abs(default[name] - reference[name])
        line = f"{name:32s} max {difference.max():4d} LSB, {np.mean(difference > 0) * 100:5.1f}% of values differ"
        if name in rounding:
            low, high, share = rounding[name]
            line += f"  (shift {low}" + (f"..{high}" if high != low else "") + f": {share * 100:.2f}%)"
        print(line)


if __name__ == "__main__":
    main()
