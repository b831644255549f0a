#!/usr/bin/python3
"""Model-only speed of a sambench SAM export: encoder images/s and decoder prompts/s per batch
size, in each encoder precision, on CUDA or CPU, with the peak GPU memory.

For a machine where the C++ harness cannot be built, such as a GPU box that has PyTorch but not
the Debian packages: it needs only torch. It applies model.precision the way sambench does (the
image encoder's weights and input cast to the dtype, the embedding back to float32, the decoder
in float32), so its encoder numbers are the harness's encode stage. Inputs are random: speed does
not depend on the pixels. Prints one JSON document.

    python3 scripts/model_speed.py --model sam_vit_h.pt --device cuda --precision fp32 bf16
"""
import argparse
import json
import statistics
import time

import torch

DTYPES = {"fp32": torch.float32, "bf16": torch.bfloat16, "fp16": torch.float16}


def load(path, device, precision):
    extra = {"sambench.json": ""}
    model = torch.jit.load(path, map_location=device, _extra_files=extra)
    model.eval()
    if precision != "fp32":
        model.image_encoder.to(DTYPES[precision])
    return model, json.loads(extra["sambench.json"])


def timed(device, fn):
    """Seconds of one call, with the GPU's queue drained before and after."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    start = time.perf_counter()
    out = fn()
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    return time.perf_counter() - start, out


def peak_gpu_mib(device):
    return torch.cuda.max_memory_allocated(device) / 2**20 if device.type == "cuda" else None


def measure(args, device, precision, reference):
    model, meta = load(args.model, device, precision)
    size = meta["image_size"]
    generator = torch.Generator().manual_seed(0)
    image = torch.randn(1, 3, size, size, generator=generator).to(device)
    encode = lambda: model.encode(image.to(DTYPES[precision])).float()
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)
    for _ in range(args.warmup):
        timed(device, encode)
    times = []
    for _ in range(args.images):
        seconds, embedding = timed(device, encode)
        times.append(seconds)
    result = {"precision": precision, "encode_s": statistics.median(times),
              "images_per_s": 1.0 / statistics.median(times), "peak_gpu_mib_encode": peak_gpu_mib(device)}
    if reference is not None:
        result["embedding_rel_l2_vs_fp32"] = float((embedding - reference).norm() / reference.norm())
    result["decode"] = []
    for batch in args.decode_batches:
        coords = (torch.rand(batch, 2, 2, generator=generator) * size).to(device)
        labels = torch.tensor([[1.0, -1.0]] * batch, device=device)
        decode = lambda: model.decode(embedding, coords, labels, None)
        for _ in range(args.warmup):
            timed(device, decode)
        calls = [timed(device, decode)[0] for _ in range(args.repeat)]
        per_call = statistics.median(calls)
        result["decode"].append({"batch": batch, "call_s": per_call, "prompts_per_s": batch / per_call})
    result["peak_gpu_mib"] = peak_gpu_mib(device)
    return result, embedding


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", required=True, help="a .pt from scripts/export_sam.py")
    parser.add_argument("--device", default="auto", help="auto, cpu, cuda or cuda:N")
    parser.add_argument("--precision", nargs="+", default=["fp32", "bf16"], choices=sorted(DTYPES))
    parser.add_argument("--images", type=int, default=5, help="timed encoder calls (median)")
    parser.add_argument("--warmup", type=int, default=2, help="untimed calls first, per measurement")
    parser.add_argument("--decode-batches", default="1,16,64", help="prompts per decoder call, comma-separated")
    parser.add_argument("--repeat", type=int, default=5, help="timed decoder calls per batch size (median)")
    parser.add_argument("--threads", type=int, default=0, help="CPU threads (0: one per core)")
    args = parser.parse_args()
    args.decode_batches = [int(b) for b in args.decode_batches.split(",")]
    if min(args.images, args.repeat) < 1 or args.warmup < 0 or min(args.decode_batches) < 1:
        parser.error("--images, --repeat and every decode batch must be >= 1, --warmup >= 0")
    if args.threads:
        torch.set_num_threads(args.threads)
    name = args.device if args.device != "auto" else ("cuda" if torch.cuda.is_available() else "cpu")
    device = torch.device(name)
    if device.type == "cpu" and "fp16" in args.precision:
        parser.error("fp16 needs CUDA: PyTorch's CPU kernels lack half-precision matmul and convolution")
    report = {"model": args.model, "device": str(device), "torch": torch.__version__,
              "threads": torch.get_num_threads(),
              "gpu": torch.cuda.get_device_name(device) if device.type == "cuda" else None, "runs": []}
    reference = None
    with torch.inference_mode():
        for precision in args.precision:
            result, embedding = measure(args, device, precision, reference if precision != "fp32" else None)
            if precision == "fp32":
                reference = embedding
            report["runs"].append(result)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
