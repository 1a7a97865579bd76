"""``text-recognizer bench``: latency and throughput table (and training speed on CUDA)."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "bench",
        help="measure inference latency/throughput (and training speed on CUDA)",
        description=(
            "Print line and paragraph latency at batch 1 after warm-up (p50/p95), throughput "
            "for several batch sizes and, on CUDA, training samples/s in fp32 vs bf16. Without "
            "--model and without a packaged model, base-size models with random weights are timed."
        ),
    )
    parser.add_argument("--model", default=None, help="staged model folder")
    parser.add_argument(
        "--random", action="store_true", help="time random-weight base models, not a staged one"
    )
    parser.add_argument("--device", choices=("cpu", "cuda"), default="cpu")
    parser.add_argument(
        "--backend",
        choices=("eager", "torchscript", "onnx", "all"),
        default="eager",
        help="runtime of the staged model; `all` times the latency of each side by side",
    )
    parser.add_argument("--repeats", type=int, default=20, help="timed calls per latency")
    parser.add_argument(
        "--batch-sizes", type=int, nargs="+", default=[1, 8, 32], help="throughput batch sizes"
    )
    parser.add_argument("--threads", type=int, default=None, help="torch intra-op threads")
    parser.add_argument(
        "--max-tokens",
        type=int,
        default=None,
        help="cap decoded paragraph tokens (untrained models rarely emit <end>)",
    )
    parser.add_argument("--no-training", action="store_true", help="skip the CUDA training rows")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import torch

    from text_recognizer.bench import format_table, inference_rows, random_recognizer, training_rows
    from text_recognizer.errors import TextRecognizerError
    from text_recognizer.recognizer import Recognizer, default_threads
    from text_recognizer.staging import DEFAULT_MODEL_DIR, staged_folders

    if args.device == "cuda" and not torch.cuda.is_available():
        raise TextRecognizerError("--device cuda asked for, but no CUDA device is visible")
    device = torch.device(args.device)
    threads = args.threads or default_threads()
    random_weights = args.random
    if not random_weights and args.model is None:
        try:
            staged_folders(DEFAULT_MODEL_DIR)
        except TextRecognizerError:
            random_weights = True
    if args.backend == "all":
        if random_weights:
            raise TextRecognizerError("--backend all times a staged model; give --model")
        from text_recognizer.bench import backend_rows

        print(f"# {args.model or DEFAULT_MODEL_DIR}; cpu; torch threads {threads}")
        print(format_table(backend_rows(args.model or DEFAULT_MODEL_DIR, threads, args.repeats)))
        return 0
    if random_weights:
        torch.set_num_threads(threads)
        recognizer = random_recognizer(args.device)
        origin = "random-weight base models"
    else:
        recognizer = Recognizer.load(
            args.model, backend=args.backend, threads=threads, device=args.device
        )
        origin = f"staged {recognizer.model_version}"
    if args.max_tokens:
        recognizer.max_tokens = args.max_tokens
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu"
    print(
        f"# {origin}; device {name}; backend {recognizer.backend}; "
        f"torch threads {torch.get_num_threads()}; torch {torch.__version__}"
    )
    rows = inference_rows(
        recognizer, device, args.repeats, args.batch_sizes, random_weights=random_weights
    )
    if device.type == "cuda" and not args.no_training:
        rows += training_rows(device)
    print(format_table(rows))
    return 0
