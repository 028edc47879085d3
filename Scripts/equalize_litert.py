"""What per-channel equalization of a trained int8 student would do to LiteRT's XNNPACK-minus-reference difference.

    .venv-edge/bin/python Scripts/equalize_litert.py VERIFICATION_DIR [--alpha A]

Cross-layer equalization (Nagel et al. 2019, "Data-Free Quantization"): a unit's output channel i is scaled by
1/s_i and the next layer's input channel i by s_i, which ReLU and mean pooling commute with, so every channel of a
per-tensor quantized activation uses the tensor's full int8 range. Here it is applied after the fact to the
.tflite: s_i = (channel i's largest value / the tensor's largest) ** A, measured with LiteRT's reference kernels
on every fifth window; every stem unit but the last, the last units through the pooled features into the hidden
layer, and the hidden layer into the logits. A convolution's per-channel weight scales absorb the change exactly;
FULLY_CONNECTED and pointwise weights are requantized, so the top class can move on a few windows (printed). The
real change belongs before quantization-aware training; this only says whether it is worth making. Diagnostic
only: it passes or fails nothing.
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
import trace_litert  # noqa: E402  (every-output rewriting and one invocation)

DEPTHWISE_CONV_2D = 4


class Student:
    """The .tflite's object tree with the edits equalization needs."""

    def __init__(self, model):
        self.tree = schema.ModelT.InitFromPackedBuf(bytearray(model), 0)
        self.graph = self.tree.subgraphs[0]
        self.index = {tensor.name.decode(): position for position, tensor in enumerate(self.graph.tensors)}

    def tensor(self, name_or_index):
        return self.graph.tensors[self.index[name_or_index] if isinstance(name_or_index, str) else int(name_or_index)]

    def producer(self, name):
        return next(op for op in self.graph.operators if int(op.outputs[0]) == self.index[name])

    def consumer(self, name):
        return next(op for op in self.graph.operators if int(op.inputs[0]) == self.index[name])

    def code(self, op):
        return self.tree.operatorCodes[op.opcodeIndex].builtinCode

    def values(self, index, dtype):
        return np.frombuffer(bytes(self.tree.buffers[self.tensor(index).buffer].data), dtype=dtype).astype(np.float64)

    def store(self, index, values, dtype):
        self.tree.buffers[self.tensor(index).buffer].data = values.astype(dtype).tobytes()

    def scale_outputs(self, op, factors):
        """Output channel i of a convolution times factors[i], exactly: its weight and bias scales change, not its integers."""
        for index in op.inputs[1:3]:
            quantization = self.tensor(index).quantization
            quantization.scale = [float(scale * factor) for scale, factor in zip(quantization.scale, factors)]

    def scale_depthwise_inputs(self, op, factors):
        """A depthwise convolution's channel i weights times factors[i]: exact in the weight scale, the bias requantized."""
        weights, bias = self.tensor(op.inputs[1]).quantization, self.tensor(op.inputs[2]).quantization
        weights.scale = [float(scale * factor) for scale, factor in zip(weights.scale, factors)]
        self.store(op.inputs[2], np.round(self.values(op.inputs[2], np.int32) / factors), np.int32)
        bias.scale = [float(scale * factor) for scale, factor in zip(bias.scale, factors)]

    def requantize(self, op, columns=None, rows=None):
        """A weight matrix [O, ...I] with input columns times `columns` and output rows (and bias) times `rows`,
        requantized per output channel (a pointwise convolution) or per tensor (FULLY_CONNECTED)."""
        weights, bias = self.tensor(op.inputs[1]), self.tensor(op.inputs[2])
        real = self.values(op.inputs[1], np.int8).reshape(weights.shape[0], -1)
        scales = np.asarray(weights.quantization.scale, dtype=np.float64)
        real = real * (scales[:, None] if scales.size > 1 else scales[0])
        real_bias = self.values(op.inputs[2], np.int32) * np.asarray(bias.quantization.scale, dtype=np.float64)
        if columns is not None:
            real = real * columns[None, :]
        if rows is not None:
            real, real_bias = real * rows[:, None], real_bias * rows
        new = np.abs(real).max(axis=1) / 127 if scales.size > 1 else np.array([np.abs(real).max() / 127])
        per_row = new[:, None] if new.size > 1 else new[0]
        self.store(op.inputs[1], np.clip(np.round(real / per_row), -127, 127), np.int8)
        input_scale = float(self.tensor(op.inputs[0]).quantization.scale[0])
        self.store(op.inputs[2], np.round(real_bias / (input_scale * (new if new.size > 1 else new[0]))), np.int32)
        weights.quantization.scale = [float(scale) for scale in new]
        bias.quantization.scale = [float(input_scale * scale) for scale in new]

    def bytes(self):
        builder = flatbuffers.Builder(1024)
        builder.Finish(self.tree.Pack(builder), file_identifier=b"TFL3")
        return bytes(builder.Output())


def channel_peaks(outputs, student, name, zero_point_of=None):
    """Each channel's largest value in LSB above the zero point (at least 1) over the traced windows."""
    tensor = student.tensor(name)
    zero_point = int(student.tensor(zero_point_of or name).quantization.zeroPoint[0])
    peaks = np.stack([output[name] for output in outputs]).reshape(-1, tensor.shape[-1]).max(axis=0) - zero_point
    return np.maximum(peaks, 1).astype(np.float64)


def equalized(model, modalities, outputs, alpha):
    """The model's bytes after equalization; `modalities`: the input names in graph order (the features' order)."""
    student = Student(model)
    prefix = f"{modalities[0]}_unit"
    units = sum(1 for name in student.index if name.startswith(prefix) and name[len(prefix):].isdigit())
    for modality in modalities:
        for unit in range(units - 1):
            name = f"{modality}_unit{unit}"
            peaks = channel_peaks(outputs, student, name)
            shares = (peaks / peaks.max()) ** alpha
            student.scale_outputs(student.producer(name), 1 / shares)
            following = student.consumer(name)
            if student.code(following) == DEPTHWISE_CONV_2D:
                student.scale_depthwise_inputs(following, shares)
            else:
                student.requantize(following, columns=shares)
    pooled = {modality: channel_peaks(outputs, student, f"{modality}_pooled", zero_point_of="features") for modality in modalities}
    top = max(peaks.max() for peaks in pooled.values())
    columns = []
    for modality in modalities:
        shares = (pooled[modality] / top) ** alpha
        student.scale_outputs(student.producer(f"{modality}_unit{units - 1}"), 1 / shares)
        columns.append(shares)
    student.requantize(student.producer("hidden"), columns=np.concatenate(columns))
    peaks = channel_peaks(outputs, student, "hidden")
    shares = (peaks / peaks.max()) ** alpha
    student.requantize(student.producer("hidden"), rows=1 / shares)
    student.requantize(student.producer("logits"), columns=shares)
    return student.bytes()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("directory")
    parser.add_argument("--alpha", type=float, default=1.0)
    arguments = parser.parse_args()
    if arguments.alpha <= 0:
        parser.error(f"--alpha {arguments.alpha}: must be positive")
    manifest, model, inputs, _ = check_tflite.load_bundle(arguments.directory)
    traced, _ = trace_litert.with_every_output(model)
    outputs = [trace_litert.run(traced, manifest, row, litert.OpResolverType.BUILTIN_REF) for row in inputs[::5]]
    changed = equalized(model, [spec["name"] for spec in manifest["inputs"]], outputs, arguments.alpha)
    logits = manifest["outputs"][0]["name"]
    same_class = 0
    for row in inputs:
        original = trace_litert.run(model, manifest, row, litert.OpResolverType.BUILTIN_REF)[logits]
        after = trace_litert.run(changed, manifest, row, litert.OpResolverType.BUILTIN_REF)[logits]
        same_class += int(np.argmax(original) == np.argmax(after))
    print(f"equalize_litert: worst logits difference {trace_litert.worst_logits_difference(model, manifest, inputs)} LSB, "
          f"equalized (alpha {arguments.alpha}) {trace_litert.worst_logits_difference(changed, manifest, inputs)} LSB; "
          f"top class unchanged on {same_class} of {len(inputs)} windows")


if __name__ == "__main__":
    main()
