"""Train a recognizer from a YAML config: ``text-recognizer train --config lines_tiny``.

Also reachable from a checkout as ``python training/run_experiment.py``. ``--config`` takes a
path or the bare name of a shipped config; :mod:`text_recognizer.training.config` describes
and validates the sections. Synthetic data is made on the fly unless ``data.data_dir`` names
a prepared manifest folder such as IAM. Command-line options override the file. Outputs under
``--out``: ``checkpoints/`` (best by val CER and ``last.ckpt``), CSV (and TensorBoard when
installed) logs, ``config.yaml`` as run, and ``results.json`` (best checkpoint, its val CER,
test metrics, wall time).

Module-level imports stay light so ``text-recognizer --help`` does not load Lightning.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import sys
import time
from pathlib import Path
from typing import Any, Optional, Sequence

from text_recognizer.errors import TextRecognizerError
from text_recognizer.training.config import (
    DATA_MODULES,
    KIND_OF_DATA,
    ExperimentConfigError,
    load_config,
    shipped_configs,
    validate_config,
)


def add_arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """The training options, shared by this script and ``text-recognizer train``."""
    parser.add_argument(
        "--config",
        required=True,
        help="YAML config: a path, or a shipped name (" + ", ".join(shipped_configs()) + ")",
    )
    parser.add_argument("--out", default=None, help="run folder (default: runs/<config name>)")
    parser.add_argument("--max-steps", type=int, default=None, help="optimizer steps")
    parser.add_argument("--accelerator", default=None, help="cpu, gpu, auto, ...")
    parser.add_argument("--devices", default=None, help="device count or ids, e.g. 2 or auto")
    parser.add_argument("--num-nodes", type=int, default=None)
    parser.add_argument("--strategy", default=None, help="auto, ddp, ddp_spawn, ...")
    parser.add_argument("--precision", default=None, help="32-true, bf16-mixed, 16-mixed")
    parser.add_argument("--compile", action="store_true", help="torch.compile the model")
    parser.add_argument("--fast-dev-run", action="store_true", help="one batch of each loop")
    parser.add_argument("--resume", default=None, metavar="CKPT", help="checkpoint to resume")
    parser.add_argument("--data-dir", default=None, help="a prepared manifest folder (e.g. IAM)")
    parser.add_argument("--batch-size", type=int, default=None)
    parser.add_argument(
        "--train-writers",
        type=int,
        default=None,
        metavar="N",
        help="train on the first N writers of --data-dir only (writer-count experiments)",
    )
    parser.add_argument("--num-workers", type=int, default=None)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument(
        "--logger", choices=("auto", "csv", "tensorboard", "wandb", "none"), default="auto"
    )
    parser.add_argument("--no-test", action="store_true", help="skip the test split after fit")
    return parser


def apply_overrides(config: dict[str, Any], args: argparse.Namespace) -> dict[str, Any]:
    """A copy of ``config`` with the command-line options written into their sections."""
    config = copy.deepcopy(config)
    trainer = config.setdefault("trainer", {}) or {}
    config["trainer"] = trainer
    data = config.setdefault("data", {}) or {}
    config["data"] = data
    for option, key in (
        ("max_steps", "max_steps"),
        ("accelerator", "accelerator"),
        ("devices", "devices"),
        ("num_nodes", "num_nodes"),
        ("strategy", "strategy"),
        ("precision", "precision"),
    ):
        value = getattr(args, option, None)
        if value is not None:
            trainer[key] = int(value) if key == "devices" and str(value).isdigit() else value
    for option in ("data_dir", "batch_size", "num_workers", "train_writers"):
        value = getattr(args, option, None)
        if value is not None:
            data[option] = value
    if getattr(args, "seed", None) is not None:
        config["seed"] = args.seed
    return config


def build_lit_model(config: dict[str, Any]):
    """The LightningModule the config describes (fresh weights)."""
    from text_recognizer.lit_models import LIT_MODELS
    from text_recognizer.models import preset, resolve_config

    model = config["model"]
    kind = model["kind"]
    base = model.get("config", "base")
    overrides = model.get("overrides") or {}
    resolved = (
        preset(kind, base, **overrides) if isinstance(base, str) else resolve_config(kind, base)
    )
    return LIT_MODELS[kind](model_config=resolved, **(config.get("lit") or {}))


def build_data_module(config: dict[str, Any]):
    """The DataModule the config's ``data`` section describes."""
    from text_recognizer.data import modules

    data = dict(config.get("data") or {})
    kind = KIND_OF_DATA[config["model"]["kind"]]
    name = data.pop("module", kind)
    data.setdefault("seed", config.get("seed", 0))
    if name == "fake":
        data.setdefault("kind", kind)
    return getattr(modules, DATA_MODULES[name])(**data)


def _loggers(choice: str, out: Path) -> list:
    from lightning.pytorch.loggers import CSVLogger, Logger, TensorBoardLogger

    loggers: list[Logger] = []
    if choice in ("auto", "csv", "tensorboard"):
        loggers.append(CSVLogger(out, name="logs", version=""))
    if choice == "tensorboard" or choice == "auto":
        try:
            import tensorboard  # noqa: F401
        except ImportError:
            if choice == "tensorboard":
                raise ExperimentConfigError("--logger tensorboard needs `pip install tensorboard`")
        else:
            loggers.append(TensorBoardLogger(out, name="tensorboard", version=""))
    if choice == "wandb":
        from lightning.pytorch.loggers import WandbLogger

        loggers.append(WandbLogger(save_dir=out))
    return loggers


def build_trainer(config: dict[str, Any], out: Path, logger: str = "auto", fast_dev_run=False):
    """A ``lightning.Trainer`` with checkpointing and early stopping on validation CER."""
    import lightning as L
    from lightning.pytorch.callbacks import (
        Callback,
        EarlyStopping,
        LearningRateMonitor,
        ModelCheckpoint,
    )

    trainer_args = dict(config.get("trainer") or {})
    callbacks: list[Callback] = [
        ModelCheckpoint(
            dirpath=out / "checkpoints",
            monitor="val/cer",
            mode="min",
            save_last=True,
            save_top_k=1,
            filename="best",  # a stable name the documented `stage` command can use
            auto_insert_metric_name=False,
        )
    ]
    stopping = config.get("early_stopping")
    if stopping:
        callbacks.append(EarlyStopping(monitor="val/cer", mode="min", **stopping))
    loggers = _loggers(logger, out) if not fast_dev_run else []
    if loggers:
        callbacks.append(LearningRateMonitor(logging_interval="step"))
    trainer_args.setdefault("enable_progress_bar", sys.stderr.isatty())
    return L.Trainer(
        default_root_dir=out,
        callbacks=callbacks,
        logger=loggers or False,
        fast_dev_run=fast_dev_run,
        **trainer_args,
    )


#: Files a resumed run would overwrite: Lightning's CSVLogger deletes an existing metrics.csv.
RUN_RECORDS = ("logs/metrics.csv", "config.yaml", "results.json")


def archive_previous_run(out: Path) -> Optional[Path]:
    """Move the records of the run being resumed into ``out/previous/<UTC time>/``.

    Without this a resume silently loses the metrics history before the resume point.
    Returns the archive folder, or None when there was nothing to keep.
    """
    found = [name for name in RUN_RECORDS if (out / name).is_file()]
    if not found:
        return None
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    archive = out / "previous" / stamp
    for name in found:
        target = archive / name
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(out / name, target)
    return archive


def run(
    config: dict[str, Any],
    out: str | os.PathLike,
    resume: Optional[str] = None,
    compile_model: bool = False,
    fast_dev_run: bool = False,
    logger: str = "auto",
    test: bool = True,
) -> dict[str, Any]:
    """Train (and test) as ``config`` says; returns the results also written to results.json."""
    import lightning as L
    import yaml

    from text_recognizer.io import atomic_write_text

    validate_config(config)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    L.seed_everything(int(config.get("seed", 0)), workers=True)
    lit_model = build_lit_model(config)
    data = build_data_module(config)
    if compile_model:
        lit_model.model.compile(dynamic=True)  # in place: checkpoint keys stay "model.*"
    if resume is not None and not Path(resume).is_file():
        raise ExperimentConfigError(f"checkpoint to resume {resume} does not exist")
    trainer = build_trainer(config, out, logger, fast_dev_run)
    if trainer.is_global_zero:
        if resume is not None:
            archive_previous_run(out)
        atomic_write_text(out / "config.yaml", yaml.safe_dump(config, sort_keys=False))
    started = time.perf_counter()
    trainer.fit(lit_model, datamodule=data, ckpt_path=resume)
    fit_seconds = time.perf_counter() - started
    checkpoint = trainer.checkpoint_callback
    best_path = getattr(checkpoint, "best_model_path", "") or None
    best_score = getattr(checkpoint, "best_model_score", None)
    results: dict[str, Any] = {
        "model_kind": config["model"]["kind"],
        "global_step": int(trainer.global_step),
        "fit_seconds": round(fit_seconds, 1),  # this sitting only, when resumed
        "resumed_from": resume,
        "best_checkpoint": best_path,
        "last_checkpoint": getattr(checkpoint, "last_model_path", "") or None,
        "best_val_cer": None if best_score is None else float(best_score),
        "interrupted": bool(trainer.interrupted),
    }
    if test and not fast_dev_run:
        metrics = trainer.test(lit_model, datamodule=data, ckpt_path=best_path, verbose=False)
        results["test"] = {
            key: float(value) for key, value in (metrics[0] if metrics else {}).items()
        }
    if trainer.is_global_zero:
        atomic_write_text(out / "results.json", json.dumps(results, indent=2) + "\n")
    return results


def run_from_args(args: argparse.Namespace) -> int:
    """Entry point shared with ``text-recognizer train``."""
    config = apply_overrides(load_config(args.config), args)
    out = args.out or os.path.join("runs", Path(args.config).stem)
    results = run(
        config,
        out,
        resume=args.resume,
        compile_model=args.compile,
        fast_dev_run=args.fast_dev_run,
        logger=args.logger,
        test=not args.no_test,
    )
    print(json.dumps(results, indent=2))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = add_arguments(argparse.ArgumentParser(description=__doc__.splitlines()[0]))
    args = parser.parse_args(argv)
    try:
        return run_from_args(args)
    except TextRecognizerError as error:
        print(f"run_experiment: error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
