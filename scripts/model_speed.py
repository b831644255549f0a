#!/usr/bin/python3
"""Model-only speed of a sambench SAM export: encoder images/s per batch size and decoder prompts/s
per batch size, in each encoder precision, on CUDA or CPU, with the peak GPU memory.

For a machine where the C++ harness cannot be built, such as a GPU box that has PyTorch but not
the Debian packages: it needs only torch. It applies model.precision the way sambench does (the
image encoder's weights and input cast to the dtype, the embedding back to float32, the decoder
in float32), so its encoder numbers are the harness's encode stage. Inputs are random: speed does
not depend on the pixels. Prints one JSON document.

Engines: torchscript (the exported .pt, as sambench runs it), eager (the same weights in
scripts/export_sam.py's Python modules) and compile (eager with its image encoder passed through
torch.compile, PyTorch 2.0 and later; the first call's compile time is reported apart).

    python3 scripts/model_speed.py --model sam_vit_h.pt --device cuda --precision fp32 bf16 \\
        --engine torchscript eager compile --encode-batches 1,8
"""
import argparse
import json
import os
import statistics
import sys
import time

import torch

DTYPES = {"fp32": torch.float32, "bf16": torch.bfloat16, "fp16": torch.float16}
ENGINES = ("torchscript", "eager", "compile")


def load(path, device, precision, engine):
    extra = {"sambench.json": ""}
    model = torch.jit.load(path, map_location=device, _extra_files=extra)
    meta = json.loads(extra["sambench.json"])
    if engine != "torchscript":
        model = eager_copy(model, meta, device)
    model.eval()
    if precision != "fp32":
        model.image_encoder.to(DTYPES[precision])
    if engine == "compile":
        model.image_encoder = torch.compile(model.image_encoder)
    return model, meta


def eager_copy(scripted, meta, device):
    """The exported model's weights in export_sam.py's eager modules (same names and shapes)."""
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import export_sam  # noqa: E402 - next to this script
    attention = meta.get("encoder_attention", "textbook")
    model = export_sam.build_sam(meta["model_type"], device=torch.device("meta"), attention=attention)
    model = model.to_empty(device=device)
    model.load_state_dict(scripted.state_dict())
    return model


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


def measure_encoder(args, device, model, size, dtype, generator):
    """Per batch size: the median call and images/s; returns them and the first image's embedding."""
    results, embedding = [], None
    for batch in args.encode_batches:
        images = torch.randn(batch, 3, size, size, generator=generator).to(device)
        encode = lambda: model.encode(images.to(dtype)).float()  # noqa: E731
        first_s = None
        for i in range(args.warmup):
            seconds, _ = timed(device, encode)
            first_s = seconds if i == 0 else first_s
        times = []
        for _ in range(args.images):
            seconds, out = timed(device, encode)
            times.append(seconds)
        if embedding is None:
            embedding = out[:1]
        median = statistics.median(times)
        results.append({"batch": batch, "call_s": median, "images_per_s": batch / median,
                        "first_call_s": first_s, "calls_s": times})
    return results, embedding


def measure_decoder(args, device, model, size, embedding, generator):
    results = []
    for batch in args.decode_batches:
        coords = (torch.rand(batch, 2, 2, generator=generator) * size).to(device)
        labels = torch.tensor([[1.0, -1.0]] * batch, device=device)
        decode = lambda: model.decode(embedding, coords, labels, None)  # noqa: E731
        for _ in range(args.warmup):
            timed(device, decode)
        calls = [timed(device, decode)[0] for _ in range(args.repeat)]
        per_call = statistics.median(calls)
        results.append({"batch": batch, "call_s": per_call, "prompts_per_s": batch / per_call})
    return results


def measure(args, device, engine, precision, reference):
    model, meta = load(args.model, device, precision, engine)
    size = meta["image_size"]
    generator = torch.Generator().manual_seed(0)
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)
    encode, embedding = measure_encoder(args, device, model, size, DTYPES[precision], generator)
    result = {"engine": engine, "precision": precision,
              "encoder_attention": meta.get("encoder_attention", "textbook"),
              "encode": encode, "peak_gpu_mib_encode": peak_gpu_mib(device)}
    if reference is not None:
        result["embedding_rel_l2_vs_fp32"] = float((embedding - reference).norm() / reference.norm())
    result["decode"] = measure_decoder(args, device, model, size, embedding, generator)
    result["peak_gpu_mib"] = peak_gpu_mib(device)
    return result, embedding


def batches(text):
    return [] if text == "none" else [int(b) for b in text.split(",")]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", required=True, help="a .pt from scripts/export_sam.py")
    parser.add_argument("--device", default="auto", help="auto, cpu, cuda or cuda:N")
    parser.add_argument("--precision", nargs="+", default=["fp32", "bf16"], choices=sorted(DTYPES))
    parser.add_argument("--engine", nargs="+", default=["torchscript"], choices=ENGINES)
    parser.add_argument("--images", type=int, default=5, help="timed encoder calls per batch size (median)")
    parser.add_argument("--warmup", type=int, default=2, help="untimed calls first, per measurement")
    parser.add_argument("--encode-batches", default="1", help="images per encoder call, comma-separated")
    parser.add_argument("--decode-batches", default="1,16,64",
                        help="prompts per decoder call, comma-separated, or none")
    parser.add_argument("--repeat", type=int, default=5, help="timed decoder calls per batch size (median)")
    parser.add_argument("--threads", type=int, default=0, help="CPU threads (0: one per core)")
    args = parser.parse_args()
    try:
        args.encode_batches = batches(args.encode_batches)
        args.decode_batches = batches(args.decode_batches)
    except ValueError:
        parser.error("--encode-batches and --decode-batches take integers separated by commas")
    if min(args.images, args.repeat) < 1 or args.warmup < 0 or not args.encode_batches \
            or min(args.encode_batches + args.decode_batches) < 1:
        parser.error("--images, --repeat and every batch size must be >= 1, --warmup >= 0")
    if "compile" in args.engine and not hasattr(torch, "compile"):
        parser.error(f"--engine compile needs torch.compile (PyTorch 2.0 and later; this one is {torch.__version__})")
    if args.threads:
        torch.set_num_threads(args.threads)
    name = args.device if args.device != "auto" else ("cuda" if torch.cuda.is_available() else "cpu")
    device = torch.device(name)
    if device.type == "cpu" and "fp16" in args.precision:
        parser.error("fp16 needs CUDA: PyTorch's CPU kernels lack half-precision matmul and convolution")
    report = {"model": args.model, "device": str(device), "torch": torch.__version__,
              "threads": torch.get_num_threads(),
              "gpu": torch.cuda.get_device_name(device) if device.type == "cuda" else None, "runs": []}
    with torch.inference_mode():
        for engine in args.engine:
            reference = None
            for precision in args.precision:
                result, embedding = measure(args, device, engine, precision,
                                            reference if precision != "fp32" else None)
                if precision == "fp32":
                    reference = embedding
                report["runs"].append(result)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
