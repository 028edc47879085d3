"""Writes the PyTorch parity fixtures that Tests/SensorParityTests load.

Set-up, once, from the repository root (PyTorch stays out of CI; the fixtures are committed):

    python3 -m venv .venv-torch && .venv-torch/bin/pip install torch numpy safetensors
    .venv-torch/bin/python Scripts/make_fixtures.py

Every input is drawn in float32 (so it is exactly representable in the Swift engine), upcast to
float64, and every output and gradient is computed in float64 and stored rounded to float32.
Each case draws from its own generator seeded by the case's name, so adding a case leaves the
others' bytes unchanged, and running the script twice writes identical files.

Tensor names inside a file, for a case called C:
    C.input.<name>      differentiable input (float32)
    C.const.<name>      non-differentiable input: masks (0/1 floats), indices (int64), statistics
    C.output[.<k>]      expected output (k numbers the outputs of multi-output ops)
    C.upstream[.<k>]    fixed random gradient fed into backward for that output
    C.grad.<name>       expected gradient of the input called <name>
    C.param.<name>      a layer's parameter under its SensorNN path (with C.paramgrad.<name>)
    C.buffer.<name>, C.buffer_after.<name>   a buffer before and after the forward pass
The metadata key "cases" lists a file's cases, comma-separated, so the Swift tests can check
that every case is exercised.
"""

import math
import pathlib
import zlib

import torch
import torch.nn.functional as F
from safetensors.torch import save_file

FIXTURES = pathlib.Path(__file__).resolve().parent.parent / "Tests" / "SensorParityTests" / "Fixtures"
F64 = torch.float64


class Case:
    """One case: a seeded generator and the tensors it records into its file."""

    def __init__(self, fixture, name):
        self.fixture = fixture
        self.name = name
        self.generator = torch.Generator().manual_seed(zlib.crc32(f"{fixture.name}/{name}".encode()))

    # Drawing inputs: float32 draws, returned as float64.
    def normal(self, *shape, scale=1.0):
        return (torch.randn(shape, generator=self.generator, dtype=torch.float32) * scale).to(F64)

    def uniform(self, *shape, low=-1.0, high=1.0):
        draw = torch.rand(shape, generator=self.generator, dtype=torch.float32)
        return (draw * (high - low) + low).to(torch.float32).to(F64)

    def positive(self, *shape, low=0.5, high=2.0):
        return self.uniform(*shape, low=low, high=high)

    def away_from_zero(self, *shape, low=0.5, high=2.0):
        sign = torch.where(torch.rand(shape, generator=self.generator) < 0.5, -1.0, 1.0).to(F64)
        return sign * self.uniform(*shape, low=low, high=high)

    def integers(self, high, *shape):
        return torch.randint(0, high, shape, generator=self.generator)

    # Recording.
    def store(self, key, tensor):
        self.fixture.store(f"{self.name}.{key}", tensor)

    def input(self, name, tensor):
        self.store(f"input.{name}", tensor)
        return tensor.detach().clone().requires_grad_(True)

    def const(self, name, tensor):
        self.store(f"const.{name}", tensor)
        return tensor

    def finish(self, outputs, inputs, with_gradient=True):
        """Stores the outputs; with a gradient, seeds backward with fixed random upstream gradients
        and stores the gradient of every tensor in `inputs` (a dict of stored name -> tensor)."""
        single = torch.is_tensor(outputs)
        outputs = [outputs] if single else list(outputs)
        suffixes = [""] if single else [f".{k}" for k in range(len(outputs))]
        for suffix, output in zip(suffixes, outputs):
            self.store(f"output{suffix}", output)
        if not with_gradient:
            return
        upstreams = [self.normal(*output.shape) for output in outputs]
        for suffix, upstream in zip(suffixes, upstreams):
            self.store(f"upstream{suffix}", upstream)
        names = list(inputs)
        gradients = torch.autograd.grad(outputs, [inputs[n] for n in names], upstreams)
        for name, gradient in zip(names, gradients):
            self.store(name, gradient)


class Fixture:
    """One safetensors file of cases."""

    def __init__(self, name):
        self.name = name
        self.tensors = {}
        self.cases = []

    def case(self, name):
        assert name not in self.cases and "," not in name, name
        self.cases.append(name)
        return Case(self, name)

    def store(self, key, tensor):
        assert key not in self.tensors, key
        tensor = tensor.detach()
        tensor = tensor.to(torch.float32) if tensor.is_floating_point() else tensor.to(torch.int64)
        self.tensors[key] = tensor.contiguous()

    def write(self):
        FIXTURES.mkdir(parents=True, exist_ok=True)
        path = FIXTURES / f"{self.name}.safetensors"
        save_file(self.tensors, str(path), metadata={"cases": ",".join(self.cases)})
        return path


def op_case(fixture, name, inputs, function):
    """A case whose inputs are all differentiable: `inputs` maps names to float64 draws, passed to
    `function` in that order."""
    case = fixture.case(name)
    tracked = {n: case.input(n, t) for n, t in inputs(case).items()}
    case.finish(function(*tracked.values()), {f"grad.{n}": t for n, t in tracked.items()})


# ---------------------------------------------------------------------------------------------
# Element-wise ops


def elementwise():
    f = Fixture("elementwise")
    op_case(f, "add_same", lambda c: {"a": c.normal(3, 4), "b": c.normal(3, 4)}, lambda a, b: a + b)
    op_case(f, "add_broadcast", lambda c: {"a": c.normal(2, 3, 4), "b": c.normal(3, 1)}, lambda a, b: a + b)
    op_case(f, "sub_broadcast", lambda c: {"a": c.normal(3, 1, 4), "b": c.normal(2, 1)}, lambda a, b: a - b)
    op_case(f, "mul_broadcast", lambda c: {"a": c.normal(2, 3, 4), "b": c.normal(4)}, lambda a, b: a * b)
    op_case(f, "mul_scalar", lambda c: {"a": c.normal(2, 3), "b": c.normal()}, lambda a, b: a * b)
    op_case(f, "div_broadcast", lambda c: {"a": c.normal(2, 3, 4), "b": c.away_from_zero(2, 1, 4)},
            lambda a, b: a / b)
    op_case(f, "neg", lambda c: {"x": c.normal(3, 5)}, lambda x: -x)
    op_case(f, "pow_fractional", lambda c: {"x": c.positive(3, 5)}, lambda x: x ** 2.5)
    op_case(f, "pow_negative", lambda c: {"x": c.positive(3, 5)}, lambda x: x ** -1.5)
    op_case(f, "pow_cube", lambda c: {"x": c.normal(3, 5)}, lambda x: x ** 3)
    op_case(f, "squared", lambda c: {"x": c.normal(3, 5)}, lambda x: x * x)
    op_case(f, "exp", lambda c: {"x": c.normal(3, 5)}, torch.exp)
    op_case(f, "log", lambda c: {"x": c.positive(3, 5, low=0.1, high=5.0)}, torch.log)
    op_case(f, "sqrt", lambda c: {"x": c.positive(3, 5, low=0.1, high=5.0)}, torch.sqrt)
    op_case(f, "rsqrt", lambda c: {"x": c.positive(3, 5, low=0.1, high=5.0)}, torch.rsqrt)
    op_case(f, "abs", lambda c: {"x": c.normal(3, 5)}, torch.abs)
    op_case(f, "tanh", lambda c: {"x": c.normal(3, 5, scale=2.0)}, torch.tanh)
    op_case(f, "sigmoid", lambda c: {"x": c.normal(3, 5, scale=3.0)}, torch.sigmoid)
    op_case(f, "relu", lambda c: {"x": c.normal(3, 5)}, torch.relu)
    op_case(f, "gelu_erf", lambda c: {"x": c.normal(3, 5, scale=2.0)}, lambda x: F.gelu(x))
    op_case(f, "gelu_tanh", lambda c: {"x": c.normal(3, 5, scale=2.0)}, lambda x: F.gelu(x, approximate="tanh"))
    op_case(f, "silu", lambda c: {"x": c.normal(3, 5, scale=2.0)}, F.silu)
    op_case(f, "clamp_both", lambda c: {"x": c.uniform(3, 5, low=-2, high=2)}, lambda x: x.clamp(-0.5, 0.7))
    op_case(f, "clamp_min", lambda c: {"x": c.uniform(3, 5, low=-2, high=2)}, lambda x: x.clamp(min=-0.25))
    op_case(f, "clamp_max", lambda c: {"x": c.uniform(3, 5, low=-2, high=2)}, lambda x: x.clamp(max=0.3))
    # Rows longer than the kernels' vector lanes, with tails, for the vectorised paths.
    op_case(f, "exp_long", lambda c: {"x": c.normal(3, 67, scale=3.0)}, torch.exp)
    op_case(f, "tanh_long", lambda c: {"x": c.normal(3, 67, scale=2.0)}, torch.tanh)
    op_case(f, "sigmoid_long", lambda c: {"x": c.normal(3, 67, scale=3.0)}, torch.sigmoid)
    op_case(f, "gelu_erf_long", lambda c: {"x": c.normal(3, 67, scale=3.0)}, lambda x: F.gelu(x))
    op_case(f, "gelu_tanh_long", lambda c: {"x": c.normal(3, 67, scale=3.0)}, lambda x: F.gelu(x, approximate="tanh"))
    op_case(f, "silu_long", lambda c: {"x": c.normal(3, 67, scale=3.0)}, F.silu)
    return f


# ---------------------------------------------------------------------------------------------
# Reductions


def reductions():
    f = Fixture("reductions")
    x = lambda c: {"x": c.normal(3, 4, 5)}
    op_case(f, "sum_all", x, lambda x: x.sum())
    op_case(f, "sum_axis1_keep", x, lambda x: x.sum(dim=1, keepdim=True))
    op_case(f, "sum_axes02", x, lambda x: x.sum(dim=(0, 2)))
    op_case(f, "mean_all", x, lambda x: x.mean())
    op_case(f, "mean_last_keep", x, lambda x: x.mean(dim=-1, keepdim=True))
    op_case(f, "mean_axes01", x, lambda x: x.mean(dim=(0, 1)))
    op_case(f, "max_axis1", x, lambda x: x.amax(dim=1))
    op_case(f, "max_axis2_keep", x, lambda x: x.amax(dim=2, keepdim=True))
    op_case(f, "max_axes02", x, lambda x: x.amax(dim=(0, 2)))
    op_case(f, "min_axis0", x, lambda x: x.amin(dim=0))
    op_case(f, "min_axes12_keep", x, lambda x: x.amin(dim=(1, 2), keepdim=True))
    op_case(f, "var_axis1_unbiased", x, lambda x: x.var(dim=1, correction=1))
    op_case(f, "var_last_keep_biased", x, lambda x: x.var(dim=-1, correction=0, keepdim=True))
    op_case(f, "var_axes02_unbiased", x, lambda x: x.var(dim=(0, 2), correction=1))
    op_case(f, "var_all_biased", x, lambda x: x.var(correction=0))
    # Long rows (vector lanes and tails) and a kept axis wider than one accumulation block.
    long_rows = lambda c: {"x": c.normal(3, 53, scale=2.0)}
    op_case(f, "sum_last_long", long_rows, lambda x: x.sum(dim=-1))
    op_case(f, "max_last_long", long_rows, lambda x: x.amax(dim=-1))
    op_case(f, "min_last_long", long_rows, lambda x: x.amin(dim=-1))
    op_case(f, "var_last_long", long_rows, lambda x: x.var(dim=-1, correction=1))
    op_case(f, "sum_axis0_wide", lambda c: {"x": c.normal(5, 300)}, lambda x: x.sum(dim=0))
    op_case(f, "max_axis0_wide", lambda c: {"x": c.normal(5, 300)}, lambda x: x.amax(dim=0))
    op_case(f, "mean_axis0_tall", lambda c: {"x": c.normal(200, 3)}, lambda x: x.mean(dim=0))
    case = f.case("argmax_axis1")
    data = case.input("x", case.normal(3, 4, 5))
    case.finish(torch.argmax(data, dim=1).to(F64), {}, with_gradient=False)
    return f


# ---------------------------------------------------------------------------------------------
# Layout changes and indexing


def movement():
    f = Fixture("movement")
    op_case(f, "reshape", lambda c: {"x": c.normal(2, 3, 4)}, lambda x: x.reshape(4, 6))
    op_case(f, "permute", lambda c: {"x": c.normal(2, 3, 4)}, lambda x: x.permute(2, 0, 1))
    op_case(f, "transpose_last", lambda c: {"x": c.normal(2, 3, 4)}, lambda x: x.transpose(-2, -1))
    op_case(f, "transpose_02", lambda c: {"x": c.normal(2, 3, 4)}, lambda x: x.transpose(0, 2))
    op_case(f, "expand", lambda c: {"x": c.normal(3, 1)}, lambda x: x.expand(2, 3, 4))
    op_case(f, "squeeze", lambda c: {"x": c.normal(3, 1, 4)}, lambda x: x.squeeze(1))
    op_case(f, "unsqueeze", lambda c: {"x": c.normal(3, 4)}, lambda x: x.unsqueeze(2))
    op_case(f, "slice_axis0", lambda c: {"x": c.normal(5, 3)}, lambda x: x[1:4])
    op_case(f, "slice_axis1", lambda c: {"x": c.normal(2, 4, 3)}, lambda x: x[:, 1:3])
    op_case(f, "concat_axis1", lambda c: {"a": c.normal(2, 1, 3), "b": c.normal(2, 3, 3), "c": c.normal(2, 2, 3)},
            lambda a, b, c: torch.cat([a, b, c], dim=1))
    op_case(f, "stack_axis1", lambda c: {"a": c.normal(2, 3), "b": c.normal(2, 3), "c": c.normal(2, 3)},
            lambda a, b, c: torch.stack([a, b, c], dim=1))
    op_case(f, "split_axis2", lambda c: {"x": c.normal(2, 3, 4)}, lambda x: torch.split(x, [1, 2, 1], dim=2))
    return f


def indexing():
    f = Fixture("indexing")
    case = f.case("gather_axis1")
    x = case.input("x", case.normal(3, 5, 2))
    index = case.const("index", case.integers(5, 3, 4, 2))
    case.finish(torch.gather(x, 1, index), {"grad.x": x})

    for name, axis, shape, picks in [("index_select_axis0", 0, (4, 3), [2, 0, 2, 3, 1]),
                                     ("index_select_axis2", 2, (2, 3, 4), [3, 3, 0])]:
        case = f.case(name)
        x = case.input("x", case.normal(*shape))
        index = case.const("index", torch.tensor(picks))
        case.finish(torch.index_select(x, axis, index), {"grad.x": x})

    case = f.case("masked_fill_broadcast")
    x = case.input("x", case.normal(3, 4))
    mask = case.const("mask", (torch.rand(1, 4, generator=case.generator) < 0.5).to(F64))
    case.finish(x.masked_fill(mask.bool(), -2.5), {"grad.x": x})

    case = f.case("where_broadcast")
    condition = case.const("condition", torch.tensor([[1.0], [0.0], [1.0]], dtype=F64))
    a = case.input("a", case.normal(3, 4))
    b = case.input("b", case.normal(4))
    case.finish(torch.where(condition.bool(), a, b), {"grad.a": a, "grad.b": b})
    return f


# ---------------------------------------------------------------------------------------------
# Matrix products and the fused neural-network ops


def matmul():
    f = Fixture("matmul")
    t = lambda m: m.transpose(-2, -1)
    for name, a_shape, b_shape, ta, tb in [
        ("plain", (3, 4), (4, 5), False, False),
        ("transpose_a", (4, 3), (4, 5), True, False),
        ("transpose_b", (3, 4), (5, 4), False, True),
        ("transpose_both", (4, 3), (5, 4), True, True),
        ("batched", (2, 3, 4), (2, 4, 5), False, False),
        ("batched_transpose_a", (2, 4, 3), (2, 4, 5), True, False),
        ("batched_transpose_b", (2, 3, 4), (2, 5, 4), False, True),
        ("batched_transpose_both", (2, 4, 3), (2, 5, 4), True, True),
        ("shared_weight", (2, 3, 4), (4, 5), False, False),
        ("shared_weight_transpose_b", (2, 3, 4), (5, 4), False, True),
        ("shared_weight_transpose_a", (2, 4, 3), (4, 5), True, False),
        ("shared_weight_transpose_both", (2, 4, 3), (5, 4), True, True),
    ]:
        op_case(f, name, lambda c: {"a": c.normal(*a_shape), "b": c.normal(*b_shape)},
                lambda a, b: (t(a) if ta else a) @ (t(b) if tb else b))
    return f


def neural_ops():
    f = Fixture("neural_ops")
    op_case(f, "softmax_last", lambda c: {"x": c.normal(3, 6, scale=2.0)}, lambda x: torch.softmax(x, dim=-1))
    op_case(f, "softmax_axis1", lambda c: {"x": c.normal(2, 4, 3, scale=2.0)}, lambda x: torch.softmax(x, dim=1))
    op_case(f, "log_softmax_last", lambda c: {"x": c.normal(3, 6, scale=2.0)}, lambda x: torch.log_softmax(x, dim=-1))
    op_case(f, "log_softmax_axis0", lambda c: {"x": c.normal(4, 3, 2, scale=2.0)}, lambda x: torch.log_softmax(x, dim=0))

    op_case(f, "softmax_long", lambda c: {"x": c.normal(3, 53, scale=3.0)}, lambda x: torch.softmax(x, dim=-1))
    op_case(f, "log_softmax_long", lambda c: {"x": c.normal(3, 53, scale=3.0)}, lambda x: torch.log_softmax(x, dim=-1))

    op_case(f, "linear", lambda c: {"x": c.normal(2, 3, 5), "weight": c.normal(4, 5), "bias": c.normal(4)},
            lambda x, weight, bias: F.linear(x, weight, bias))
    op_case(f, "linear_no_bias", lambda c: {"x": c.normal(6, 5), "weight": c.normal(4, 5)},
            lambda x, weight: F.linear(x, weight))

    op_case(f, "layer_norm", lambda c: {"x": c.normal(2, 3, 8, scale=2.0), "weight": c.normal(8), "bias": c.normal(8)},
            lambda x, weight, bias: F.layer_norm(x, (8,), weight, bias, eps=1e-5))
    # More rows than one gradient block (32 rows for layer norm, 64 for the linear bias).
    op_case(f, "linear_tall", lambda c: {"x": c.normal(70, 6), "weight": c.normal(5, 6), "bias": c.normal(5)},
            lambda x, weight, bias: F.linear(x, weight, bias))
    op_case(f, "layer_norm_tall", lambda c: {"x": c.normal(40, 37, scale=2.0), "weight": c.normal(37), "bias": c.normal(37)},
            lambda x, weight, bias: F.layer_norm(x, (37,), weight, bias, eps=1e-5))
    op_case(f, "layer_norm_plain", lambda c: {"x": c.normal(4, 6) + 1.5},
            lambda x: F.layer_norm(x, (6,), eps=1e-5))

    for name, shape, training in [("batch_norm_train_3d", (4, 3, 5), True), ("batch_norm_train_2d", (6, 3), True),
                                  ("batch_norm_eval", (4, 3, 5), False), ("batch_norm_train_long", (3, 3, 37), True)]:
        case = f.case(name)
        x = case.input("x", case.normal(*shape, scale=1.5) + 0.5)
        weight = case.input("weight", case.normal(3))
        bias = case.input("bias", case.normal(3))
        running_mean = case.const("running_mean", case.normal(3, scale=0.3))
        running_var = case.const("running_variance", case.positive(3))
        out = F.batch_norm(x, running_mean, running_var, weight, bias, training=training, momentum=0.1, eps=1e-5)
        case.store("const_after.running_mean", running_mean)
        case.store("const_after.running_variance", running_var)
        case.finish(out, {"grad.x": x, "grad.weight": weight, "grad.bias": bias})

    for name, n, cin, length, cout, k, stride, padding, dilation, groups, bias in [
        ("conv1d_basic", 2, 4, 9, 6, 3, 1, 0, 1, 1, True),
        ("conv1d_stride_padding", 2, 4, 9, 6, 3, 2, 1, 1, 1, True),
        ("conv1d_dilation", 2, 3, 11, 5, 3, 1, 2, 2, 1, True),
        ("conv1d_groups", 2, 4, 9, 6, 3, 2, 1, 1, 2, False),
        ("conv1d_depthwise", 2, 4, 10, 4, 5, 1, 2, 1, 4, True),
        ("conv1d_depthwise_multiplier", 2, 3, 12, 6, 3, 2, 2, 2, 3, True),
        ("conv1d_depthwise_long", 1, 3, 70, 3, 5, 1, 2, 1, 3, True),
        ("conv1d_long", 1, 3, 70, 4, 5, 2, 2, 1, 1, True),
    ]:
        inputs = lambda c: {"x": c.normal(n, cin, length), "weight": c.normal(cout, cin // groups, k),
                            **({"bias": c.normal(cout)} if bias else {})}
        op_case(f, name, inputs, lambda x, weight, bias=None: F.conv1d(
            x, weight, bias, stride=stride, padding=padding, dilation=dilation, groups=groups))

    for name, function in [("avg_pool1d", lambda x: F.avg_pool1d(x, 3, 2, 1, count_include_pad=True)),
                           ("avg_pool1d_default_stride", lambda x: F.avg_pool1d(x, 2)),
                           ("max_pool1d", lambda x: F.max_pool1d(x, 3, 2, 1)),
                           ("max_pool1d_default_stride", lambda x: F.max_pool1d(x, 2))]:
        op_case(f, name, lambda c: {"x": c.normal(2, 3, 9)}, function)
    op_case(f, "max_pool1d_long", lambda c: {"x": c.normal(2, 2, 70)}, lambda x: F.max_pool1d(x, 4, 3, 2))

    case = f.case("embedding")
    weight = case.input("weight", case.normal(7, 5))
    index = case.const("index", torch.tensor([[3, 0, 3], [6, 1, 3]]))
    case.finish(F.embedding(index, weight), {"grad.weight": weight})

    attention_cases = [("attention", (2, 2, 4, 8), 4, 8, None),
                       ("attention_cross_shapes", (2, 3, 5, 4), 6, 3, None),
                       ("attention_mask_2d", (2, 2, 4, 8), 4, 8, "2d"),
                       ("attention_mask_4d", (2, 2, 4, 8), 5, 6, "4d"),
                       ("attention_long", (1, 2, 37, 8), 37, 8, "2d")]
    for name, (b, h, t, dh), s, dv, mask_kind in attention_cases:
        case = f.case(name)
        q = case.input("query", case.normal(b, h, t, dh))
        k = case.input("key", case.normal(b, h, s, dh))
        v = case.input("value", case.normal(b, h, s, dv))
        mask = None
        if mask_kind == "2d":
            mask = case.const("mask", causal_mask(t))
        elif mask_kind == "4d":
            # Additive, broadcast over heads, with −∞ entries but never a fully masked row.
            mask = case.normal(b, 1, t, s)
            mask[:, :, :, 1::2] = torch.where(mask[:, :, :, 1::2] > 0.5, -math.inf, mask[:, :, :, 1::2])
            case.const("mask", mask)
        out = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
        case.finish(out, {"grad.query": q, "grad.key": k, "grad.value": v})

    for name, masked in [("packed_attention", False), ("packed_attention_causal", True)]:
        case = f.case(name)
        b, t, heads, d = 2, 5, 2, 8
        qkv = case.input("qkv", case.normal(b, t, 3 * d))
        mask = case.const("mask", causal_mask(t)) if masked else None
        q, k, v = qkv.view(b, t, 3, heads, d // heads).permute(2, 0, 3, 1, 4)
        out = F.scaled_dot_product_attention(q, k, v, attn_mask=mask).transpose(1, 2).reshape(b, t, d)
        case.finish(out, {"grad.qkv": qkv})
    return f


def causal_mask(size):
    """Additive [size, size] mask: −∞ above the diagonal."""
    return torch.triu(torch.full((size, size), -math.inf, dtype=F64), diagonal=1)


# ---------------------------------------------------------------------------------------------
# Losses (reference formulas written out in torch where PyTorch has no single call)


def nt_xent(embeddings, temperature):
    rows = embeddings.shape[0]
    z = F.normalize(embeddings, dim=1)
    logits = (z @ z.T / temperature).masked_fill(torch.eye(rows, dtype=torch.bool), -math.inf)
    return F.cross_entropy(logits, (torch.arange(rows) + rows // 2) % rows)


def info_nce(queries, keys, temperature):
    logits = F.normalize(queries, dim=1) @ F.normalize(keys, dim=1).T / temperature
    return F.cross_entropy(logits, torch.arange(queries.shape[0]))


def losses():
    f = Fixture("losses")
    pair = lambda c: {"prediction": c.normal(3, 5, scale=1.5), "target": c.normal(3, 5)}
    op_case(f, "mse", pair, F.mse_loss)
    op_case(f, "l1", pair, F.l1_loss)
    op_case(f, "huber", pair, lambda prediction, target: F.huber_loss(prediction, target, delta=1.0))
    op_case(f, "huber_delta_half", pair, lambda prediction, target: F.huber_loss(prediction, target, delta=0.5))

    for name, targets, smoothing in [("cross_entropy", [2, 0, 4, 1, 3, 2], 0.0),
                                     ("cross_entropy_smoothing", [2, 0, 4, 1, 3, 2], 0.1),
                                     ("cross_entropy_ignore", [2, -100, 4, 1, -100, 2], 0.0),
                                     ("cross_entropy_smoothing_ignore", [2, -100, 4, 1, -100, 2], 0.2)]:
        case = f.case(name)
        logits = case.input("logits", case.normal(6, 5, scale=2.0))
        target = case.const("targets", torch.tensor(targets))
        loss = F.cross_entropy(logits, target, ignore_index=-100, label_smoothing=smoothing)
        case.finish(loss, {"grad.logits": logits})

    case = f.case("bce_with_logits")
    logits = case.input("logits", case.normal(4, 5, scale=3.0))
    targets = case.const("targets", case.uniform(4, 5, low=0, high=1))
    case.finish(F.binary_cross_entropy_with_logits(logits, targets), {"grad.logits": logits})

    op_case(f, "cosine_similarity_last", lambda c: {"a": c.normal(3, 4, 6), "b": c.normal(3, 4, 6)},
            lambda a, b: F.cosine_similarity(a, b, dim=-1, eps=1e-8))
    op_case(f, "cosine_similarity_axis1", lambda c: {"a": c.normal(3, 4, 6), "b": c.normal(3, 4, 6)},
            lambda a, b: F.cosine_similarity(a, b, dim=1, eps=1e-8))

    def distillation(student, teacher, temperature):
        return F.kl_div(F.log_softmax(student / temperature, dim=1), F.log_softmax(teacher / temperature, dim=1),
                        reduction="batchmean", log_target=True) * temperature ** 2
    logits = lambda c: {"student": c.normal(4, 6, scale=2.0), "teacher": c.normal(4, 6, scale=2.0)}
    op_case(f, "kl_divergence", logits, lambda student, teacher: distillation(student, teacher, 1.0))
    op_case(f, "kl_divergence_temperature", logits, lambda student, teacher: distillation(student, teacher, 2.5))

    op_case(f, "nt_xent", lambda c: {"embeddings": c.normal(8, 6)}, lambda embeddings: nt_xent(embeddings, 0.5))
    op_case(f, "info_nce", lambda c: {"queries": c.normal(4, 6), "keys": c.normal(6, 6)},
            lambda queries, keys: info_nce(queries, keys, 0.2))
    return f


# ---------------------------------------------------------------------------------------------
# Layers, with parameters under their SensorNN names


def default_weight(case, shape, fan_in):
    bound = 1 / math.sqrt(fan_in)
    return case.uniform(*shape, low=-bound, high=bound)


def norm_parameters(case, prefix, width):
    """LayerNorm scale and shift near (1, 0), perturbed so that their gradients matter."""
    return {join(prefix, "weight"): 1 + case.normal(width, scale=0.1), join(prefix, "bias"): case.normal(width, scale=0.1)}


def linear_parameters(case, prefix, inputs, outputs, bias=True):
    """PyTorch's default Linear initialisation, U(−1/√fanIn, 1/√fanIn)."""
    parameters = {join(prefix, "weight"): default_weight(case, (outputs, inputs), inputs)}
    if bias:
        parameters[join(prefix, "bias")] = default_weight(case, (outputs,), inputs)
    return parameters


def attention_parameters(case, prefix, width):
    return {**linear_parameters(case, join(prefix, "qkv"), width, 3 * width),
            **linear_parameters(case, join(prefix, "projection"), width, width)}


def block_parameters(case, prefix, width, feed_forward):
    return {**norm_parameters(case, join(prefix, "norm1"), width),
            **attention_parameters(case, join(prefix, "attention"), width),
            **norm_parameters(case, join(prefix, "norm2"), width),
            **linear_parameters(case, join(prefix, "feedForward.layers.0"), width, feed_forward),
            **linear_parameters(case, join(prefix, "feedForward.layers.1"), feed_forward, width)}


def join(prefix, name):
    return f"{prefix}.{name}" if prefix else name


def attention_forward(p, prefix, x, heads, mask=None):
    """SensorNN's MultiHeadAttention: fused qkv projection laid out [3, H, Dh] per token."""
    b, t, d = x.shape
    qkv = F.linear(x, p[join(prefix, "qkv.weight")], p[join(prefix, "qkv.bias")])
    q, k, v = qkv.view(b, t, 3, heads, d // heads).permute(2, 0, 3, 1, 4)
    attended = F.scaled_dot_product_attention(q, k, v, attn_mask=mask).transpose(1, 2).reshape(b, t, d)
    return F.linear(attended, p[join(prefix, "projection.weight")], p[join(prefix, "projection.bias")])


def block_forward(p, prefix, x, heads, mask=None):
    """SensorNN's pre-LN TransformerBlock with a GELU (erf) feed-forward MLP."""
    d = x.shape[-1]
    norm = lambda name, y: F.layer_norm(y, (d,), p[join(prefix, f"{name}.weight")], p[join(prefix, f"{name}.bias")])
    x = x + attention_forward(p, join(prefix, "attention"), norm("norm1", x), heads, mask)
    hidden = F.gelu(F.linear(norm("norm2", x), p[join(prefix, "feedForward.layers.0.weight")],
                             p[join(prefix, "feedForward.layers.0.bias")]))
    return x + F.linear(hidden, p[join(prefix, "feedForward.layers.1.weight")], p[join(prefix, "feedForward.layers.1.bias")])


def layer_case(fixture, name, x, parameters, forward, buffers=None):
    """Stores a layer's input, parameters (and buffers), output and every gradient."""
    case = fixture.case(name)
    x = case.input("x", x(case))
    parameters = parameters(case)
    for key, value in parameters.items():
        case.store(f"param.{key}", value)
    tracked = {key: value.clone().requires_grad_(True) for key, value in parameters.items()}
    buffers = buffers(case) if buffers else {}
    for key, value in buffers.items():
        case.store(f"buffer.{key}", value)
    out = forward(x, tracked, buffers)
    for key, value in buffers.items():
        case.store(f"buffer_after.{key}", value)
    case.finish(out, {"grad.x": x, **{f"paramgrad.{key}": value for key, value in tracked.items()}})


def layers():
    f = Fixture("layers")
    layer_case(f, "linear", lambda c: c.normal(2, 3, 5), lambda c: linear_parameters(c, "", 5, 4),
               lambda x, p, _: F.linear(x, p["weight"], p["bias"]))
    layer_case(f, "linear_no_bias", lambda c: c.normal(4, 5), lambda c: linear_parameters(c, "", 5, 3, bias=False),
               lambda x, p, _: F.linear(x, p["weight"]))
    layer_case(f, "conv1d", lambda c: c.normal(2, 4, 10),
               lambda c: {"weight": default_weight(c, (6, 2, 3), 6), "bias": default_weight(c, (6,), 6)},
               lambda x, p, _: F.conv1d(x, p["weight"], p["bias"], stride=2, padding=1, dilation=1, groups=2))
    layer_case(f, "layer_norm", lambda c: c.normal(2, 3, 8, scale=2.0), lambda c: norm_parameters(c, "", 8),
               lambda x, p, _: F.layer_norm(x, (8,), p["weight"], p["bias"], eps=1e-5))
    layer_case(f, "batch_norm", lambda c: c.normal(4, 3, 6, scale=1.5) + 0.5,
               lambda c: norm_parameters(c, "", 3),
               lambda x, p, buffers: F.batch_norm(x, buffers["runningMean"], buffers["runningVariance"], p["weight"],
                                                  p["bias"], training=True, momentum=0.1, eps=1e-5),
               buffers=lambda c: {"runningMean": torch.zeros(3, dtype=F64), "runningVariance": torch.ones(3, dtype=F64)})
    layer_case(f, "multi_head_attention", lambda c: c.normal(2, 5, 16), lambda c: attention_parameters(c, "", 16),
               lambda x, p, _: attention_forward(p, "", x, heads=4))
    layer_case(f, "multi_head_attention_causal", lambda c: c.normal(2, 5, 16), lambda c: attention_parameters(c, "", 16),
               lambda x, p, _: attention_forward(p, "", x, heads=4, mask=causal_mask(5)))
    layer_case(f, "transformer_block", lambda c: c.normal(2, 5, 16), lambda c: block_parameters(c, "", 16, 32),
               lambda x, p, _: block_forward(p, "", x, heads=4))
    return f


# ---------------------------------------------------------------------------------------------
# Optimizers: a few steps on fixed parameters and gradients


def optimizers():
    f = Fixture("optimizers")
    configurations = [
        ("sgd_momentum", lambda groups: torch.optim.SGD(groups, lr=0.1, momentum=0.9, dampening=0.1), 0.0),
        ("sgd_nesterov", lambda groups: torch.optim.SGD(groups, lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01), 0.0),
        ("adam", lambda groups: torch.optim.Adam(groups, lr=0.01, betas=(0.9, 0.99), eps=1e-8, weight_decay=0.01), 0.0),
        # AdamW: decay on the matrix only (SensorNN's default: no decay on rank-1 parameters).
        ("adamw", lambda groups: torch.optim.AdamW(groups, lr=0.01, betas=(0.9, 0.999), eps=1e-8), 0.1),
    ]
    steps = 3
    for name, make, matrix_decay in configurations:
        case = f.case(name)
        weight = case.normal(4, 3).requires_grad_(True)
        bias = case.normal(3).requires_grad_(True)
        case.store("param.weight", weight)
        case.store("param.bias", bias)
        if matrix_decay:
            optimizer = make([{"params": [weight], "weight_decay": matrix_decay}, {"params": [bias], "weight_decay": 0.0}])
        else:
            optimizer = make([weight, bias])
        for step in range(1, steps + 1):
            for key, parameter in [("weight", weight), ("bias", bias)]:
                parameter.grad = case.normal(*parameter.shape)
                case.store(f"step{step}.grad.{key}", parameter.grad)
            optimizer.step()
            for key, parameter in [("weight", weight), ("bias", bias)]:
                case.store(f"step{step}.param.{key}", parameter)
        for key, parameter in [("weight", weight), ("bias", bias)]:
            for state_name, value in optimizer.state[parameter].items():
                if state_name != "step":
                    case.store(f"state.{key}.{state_name}", value)

    case = f.case("clip_grad_norm")
    gradients = {"weight": case.normal(4, 3), "bias": case.normal(3)}
    parameters = []
    for key, gradient in gradients.items():
        case.store(f"grad.{key}", gradient)
        parameter = torch.zeros_like(gradient, requires_grad=True)
        parameter.grad = gradient.clone()
        parameters.append(parameter)
    norm = torch.nn.utils.clip_grad_norm_(parameters, max_norm=1.5)
    case.store("norm", norm)
    for key, parameter in zip(gradients, parameters):
        case.store(f"clipped.{key}", parameter.grad)
    return f


# ---------------------------------------------------------------------------------------------
# One full training step of a small pre-LN Transformer


TRANSFORMER = dict(batch=3, tokens=10, width=32, heads=4, feed_forward=64, depth=2, outputs=8)
# ε of the AdamW step. The key part of every qkv bias has an exactly zero gradient (softmax is
# invariant to a shift shared by all keys), so in float32 it holds rounding noise of ~1e-10, which
# Adam's m/(√v + ε) would blow up to ±lr with the default ε = 1e-8: PyTorch's own float32 run then
# misses its float64 run by 3e-4 relative L2. With ε = 1e-6 such noise moves a weight by < 1e-6·lr.
ADAMW = dict(lr=3e-3, betas=(0.9, 0.999), eps=1e-6, weight_decay=0.05)


def transformer_step(parameters, x, target, dtype):
    """Forward, MSE loss, backward and one AdamW step in `dtype` -> (loss, gradients, updated weights)."""
    c = TRANSFORMER
    tracked = {key: value.to(dtype).clone().requires_grad_(True) for key, value in parameters.items()}
    hidden = x.to(dtype)
    for index in range(c["depth"]):
        hidden = block_forward(tracked, f"blocks.{index}", hidden, c["heads"])
    hidden = F.layer_norm(hidden, (c["width"],), tracked["finalNorm.weight"], tracked["finalNorm.bias"])
    prediction = F.linear(hidden, tracked["head.weight"], tracked["head.bias"])
    loss = F.mse_loss(prediction, target.to(dtype))
    loss.backward()
    gradients = {key: value.grad.clone() for key, value in tracked.items()}
    # SensorNN's AdamW default: weight decay on parameters of rank >= 2 only.
    decayed = [value for value in tracked.values() if value.dim() >= 2]
    plain = [value for value in tracked.values() if value.dim() < 2]
    optimizer = torch.optim.AdamW([{"params": decayed}, {"params": plain, "weight_decay": 0.0}], **ADAMW)
    optimizer.step()
    return loss.detach(), gradients, {key: value.detach() for key, value in tracked.items()}


def training_step():
    f = Fixture("training_step")
    case = f.case("transformer_adamw")
    c = TRANSFORMER
    parameters = {}
    for index in range(c["depth"]):
        parameters.update(block_parameters(case, f"blocks.{index}", c["width"], c["feed_forward"]))
    parameters.update(norm_parameters(case, "finalNorm", c["width"]))
    parameters.update(linear_parameters(case, "head", c["width"], c["outputs"]))
    x = case.const("x", case.normal(c["batch"], c["tokens"], c["width"]))
    target = case.const("target", case.normal(c["batch"], c["tokens"], c["outputs"]))
    for key, value in parameters.items():
        case.store(f"param.{key}", value)
    loss, gradients, updated = transformer_step(parameters, x, target, F64)
    case.store("loss", loss)
    for key in parameters:
        case.store(f"paramgrad.{key}", gradients[key])
        case.store(f"updated.{key}", updated[key])

    # Conditioning check: PyTorch's own float32 run must agree with the float64 reference well
    # inside the Swift tests' 1e-4 relative L2, or the comparison would measure rounding noise.
    loss32, gradients32, updated32 = transformer_step(parameters, x, target, torch.float32)
    relative = lambda a, b: ((a.to(F64) - b).norm() / b.norm()).item()
    worst = max([relative(loss32, loss)] + [relative(gradients32[k], gradients[k]) for k in parameters]
                + [relative(updated32[k], updated[k]) for k in parameters])
    assert worst < 1e-5, f"training step is ill-conditioned in float32: relative L2 {worst}"
    return f


def main():
    torch.set_num_threads(1)
    total = 0
    for build in [elementwise, reductions, movement, indexing, matmul, neural_ops, losses, layers, optimizers,
                  training_step]:
        path = build().write()
        total += path.stat().st_size
        print(f"{path.relative_to(FIXTURES.parent.parent.parent)}: {path.stat().st_size} bytes")
    print(f"total {total} bytes")


if __name__ == "__main__":
    main()
