#!/usr/bin/env python3
"""SensorFM's PyTorch yardstick for bench-small (shared/bench/SPEC.md), CPU eager float32.

Same model, objectives and step as `sensorfm bench bench-small`, so the two can be compared in one
command (Scripts/compare-pytorch.sh). The design choices are the fast ones for eager PyTorch on a CPU:
fused QKV projection, F.scaled_dot_product_attention, AdamW with torch's default CPU implementation, z-scoring and masking inside the
timed step, the contrastive views prepared before the clock. It also measures torch's sgemm peak at the
encoder's four GEMM shapes in the same process, so MFU is reported against this run's own clock.

Usage: bench_reference.py [--threads 2] [--steps 20] [--warmup 3] [--objective AB]
Prints one JSON line in the SPEC's output format.
"""
import argparse
import json
import math
import resource
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

BATCH, WIDTH, HEADS, HIDDEN, DEPTH = 64, 128, 4, 512, 4
TOKENS = {"ppg": (30, 64), "acc": (30, 96), "temp": (6, 20)}  # modality -> (tokens, patch values)
TOTAL_TOKENS = sum(n for n, _ in TOKENS.values())  # 66


class PreNormBlock(nn.Module):
    def __init__(self):
        super().__init__()
        self.norm1, self.norm2 = nn.LayerNorm(WIDTH), nn.LayerNorm(WIDTH)
        self.qkv, self.projection = nn.Linear(WIDTH, 3 * WIDTH), nn.Linear(WIDTH, WIDTH)
        self.up, self.down = nn.Linear(WIDTH, HIDDEN), nn.Linear(HIDDEN, WIDTH)

    def forward(self, x):
        b, t, _ = x.shape
        qkv = self.qkv(self.norm1(x)).view(b, t, 3, HEADS, WIDTH // HEADS).permute(2, 0, 3, 1, 4)
        attended = F.scaled_dot_product_attention(qkv[0], qkv[1], qkv[2])
        x = x + self.projection(attended.transpose(1, 2).reshape(b, t, WIDTH))
        return x + self.down(F.gelu(self.up(self.norm2(x))))


def sinusoidal_positions():
    """The position embedding's starting value, as the Swift `PatchEncoder.sinusoidalPositions`: sine/cosine
    pairs of each token's centre time in units of the finest modality's patch (a temperature token spans 5)."""
    finest = max(n for n, _ in TOKENS.values())
    times = [(token + 0.5) * (finest / n) for n, _ in TOKENS.values() for token in range(n)]
    rows = []
    for time in times:
        row = []
        for pair in range(WIDTH // 2):
            angle = time / 10_000 ** (2 * pair / WIDTH)
            row += [math.sin(angle), math.cos(angle)]
        rows.append(row)
    return torch.tensor(rows, dtype=torch.float64).float()


class PatchEncoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.tokenizers = nn.ModuleDict({m: nn.Linear(p, WIDTH) for m, (_, p) in TOKENS.items()})
        self.mask_token = nn.Parameter(torch.zeros(WIDTH))
        self.modality_embedding = nn.Parameter(0.02 * torch.randn(len(TOKENS), WIDTH))
        self.position_embedding = nn.Parameter(sinusoidal_positions())
        modality_of_token = [i for i, (n, _) in enumerate(TOKENS.values()) for _ in range(n)]
        self.register_buffer("modality_of_token", torch.tensor(modality_of_token), persistent=False)
        self.blocks = nn.ModuleList(PreNormBlock() for _ in range(DEPTH))
        self.final_norm = nn.LayerNorm(WIDTH)

    def forward(self, patches, mask=None):
        x = torch.cat([self.tokenizers[m](patches[m]) for m in TOKENS], dim=1)
        if mask is not None:
            x = torch.where(mask.unsqueeze(-1), self.mask_token, x)
        x = x + self.modality_embedding[self.modality_of_token] + self.position_embedding
        for block in self.blocks:
            x = block(x)
        return self.final_norm(x)


def standardize(x):
    mean = x.mean(1, keepdim=True)
    return (x - mean) / (x.std(1, keepdim=True, unbiased=False) + 1e-6)


def to_patches(ppg, acc, temp):
    b = ppg.shape[0]
    return {"ppg": standardize(ppg).view(b, 30, 64),
            "acc": standardize(acc).reshape(b, 30, 96),
            "temp": standardize(temp).view(b, 6, 20)}


class MaskedReconstruction(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = PatchEncoder()
        self.heads = nn.ModuleDict({m: nn.Linear(WIDTH, p) for m, (_, p) in TOKENS.items()})

    def forward(self, ppg, acc, temp):
        patches = to_patches(ppg, acc, temp)
        b = ppg.shape[0]
        chosen, mask_parts = {}, []
        for m, (n, _) in TOKENS.items():
            order = torch.rand(b, n).argsort(dim=1)
            chosen[m] = order[:, : n // 2]
            mask_parts.append(torch.zeros(b, n, dtype=torch.bool).scatter_(1, chosen[m], True))
        tokens = self.encoder(patches, torch.cat(mask_parts, dim=1))
        squared_error, count, start = 0.0, 0, 0
        for m, (n, p) in TOKENS.items():
            index = chosen[m].unsqueeze(-1)
            predicted = self.heads[m](tokens[:, start:start + n].gather(1, index.expand(-1, -1, WIDTH)))
            target = patches[m].gather(1, index.expand(-1, -1, p))
            squared_error = squared_error + ((predicted - target) ** 2).sum()
            count += target.numel()
            start += n
        return squared_error / count


class Contrastive(nn.Module):
    def __init__(self, temperature=0.1):
        super().__init__()
        self.encoder = PatchEncoder()
        self.projector = nn.Sequential(nn.Linear(WIDTH, WIDTH), nn.ReLU(), nn.Linear(WIDTH, 64))
        self.temperature = temperature

    def forward(self, first, second):
        ppg, acc, temp = (torch.cat(pair) for pair in zip(first, second))
        z = F.normalize(self.projector(self.encoder(to_patches(ppg, acc, temp)).mean(1)), dim=1)
        n = z.shape[0]
        logits = (z @ z.t() / self.temperature).masked_fill(torch.eye(n, dtype=torch.bool), float("-inf"))
        targets = torch.cat([torch.arange(n // 2, n), torch.arange(0, n // 2)])
        return F.cross_entropy(logits, targets)


def wrist_batch(generator):
    seconds = torch.arange(1920) / 64.0
    rate = 1.0 + 0.5 * torch.rand(BATCH, 1, generator=generator)
    ppg = torch.sin(2 * math.pi * rate * seconds) + 0.1 * torch.randn(BATCH, 1920, generator=generator)
    acc = 0.01 * torch.randn(BATCH, 960, 3, generator=generator).cumsum(1) + torch.tensor([0.0, 0.0, 1.0])
    temp = 33 + 0.01 * torch.randn(BATCH, 120, generator=generator).cumsum(1)
    return ppg, acc, temp


def jittered(batch, generator):
    def scale(x):
        return 1 + 0.1 * torch.randn(x.shape[0], *([1] * (x.dim() - 1)), generator=generator)
    return tuple(x * scale(x) + s * torch.randn(x.shape, generator=generator) for x, s in zip(batch, (0.05, 0.05, 0.01)))


def matmul_flops_per_step(objective):
    """2·M·K·N per product, forward × 3 for forward + backward (SPEC: A 22.01, B 43.80 GFLOP)."""
    tokenizers = 2 * WIDTH * sum(n * p for n, p in TOKENS.values())
    t = TOTAL_TOKENS
    block = 2 * t * WIDTH * 3 * WIDTH + 2 * t * WIDTH * WIDTH + 2 * 2 * t * t * WIDTH + 2 * 2 * t * WIDTH * HIDDEN
    encoder = tokenizers + DEPTH * block
    if objective == "A":
        heads = 2 * WIDTH * sum((n // 2) * p for n, p in TOKENS.values())
        return 3 * BATCH * (encoder + heads)
    views = 2 * BATCH
    return 3 * (views * (encoder + 2 * (WIDTH * WIDTH + WIDTH * 64)) + 2 * views * views * 64)


def sgemm_peak_gflops(repeats=5):
    """Best GFLOP/s of torch.mm over the encoder's GEMM shapes (M = 4224 tokens, K, N in {128, 512})."""
    m = BATCH * TOTAL_TOKENS
    best = 0.0
    for k in (128, 512):
        for n in (128, 512):
            a, b = torch.randn(m, k), torch.randn(k, n)
            torch.mm(a, b)
            start = time.perf_counter()
            for _ in range(repeats):
                torch.mm(a, b)
            best = max(best, 2 * m * k * n * repeats / (time.perf_counter() - start) / 1e9)
    return best


def run(objective, steps, warmup, peak):
    torch.manual_seed(0)
    generator = torch.Generator().manual_seed(0)
    model = MaskedReconstruction() if objective == "A" else Contrastive()
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3, betas=(0.9, 0.999), weight_decay=0.05)
    batch = wrist_batch(generator)
    inputs = batch if objective == "A" else (jittered(batch, generator), jittered(batch, generator))

    def step():
        optimizer.zero_grad(set_to_none=True)
        loss = model(*inputs)
        loss.backward()
        optimizer.step()
        return loss.item()

    first = [step() for _ in range(warmup)][-1]  # as the shared reference: loss after warm-up
    times = []
    for _ in range(steps):
        start = time.perf_counter()
        last = step()
        times.append(time.perf_counter() - start)
    total = sum(times)
    flops = matmul_flops_per_step(objective)
    result = {"steps_per_s": round(steps / total, 4), "windows_per_s": round(steps * BATCH / total, 2),
              "step_ms_median": round(1000 * sorted(times)[len(times) // 2], 2), "flops_per_step": flops,
              "gflop_per_s": round(flops * steps / total / 1e9, 2), "loss_first": round(first, 4), "loss_last": round(last, 4)}
    result["mfu"] = round(result["gflop_per_s"] / peak, 4)
    return result, sum(p.numel() for p in model.encoder.parameters())


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--objective", choices=["A", "B", "AB"], default="AB")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    peak = sgemm_peak_gflops()
    output = {"bench": "bench-small", "framework": "pytorch", "torch": torch.__version__, "threads": args.threads,
              "batch": BATCH, "sgemm_peak_gflops": round(peak, 2)}
    for objective in args.objective:
        output[objective], output["params"] = run(objective, args.steps, args.warmup, peak)
    output["peak_rss_mib"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0, 1)
    print(json.dumps(output))


if __name__ == "__main__":
    main()
