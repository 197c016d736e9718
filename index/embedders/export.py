"""The local ONNX export that `index.embedders.onnx` runs: the packaged model exported once
(torch + transformers, nothing downloaded) and, for the int8 variant, quantized with
`onnxruntime.quantization.quantize_dynamic`.

The files are cached under `cache_dir/onnx/<model>-<key>/`, where the key covers the model
folder, a sha256 of its weights file and the export recipe; each file is written to a
temporary name and renamed into place, so a killed export never leaves a file that a later run
would load. torch, transformers and onnx are imported only when an export runs.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import logging
import os
import re
import time
import uuid
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from index.errors import ModelError

__all__ = ["EXPORT_VERSION", "INPUTS", "cached_model_file", "ensure_model_file", "export_counter"]

EXPORT_VERSION = 1  # bump when the export recipe changes: old cache entries are then ignored
OPSET = 17
STALE_TEMP_SECONDS = 3600.0
_WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin")
INPUTS = ("input_ids", "attention_mask", "token_type_ids")

export_counter: dict[str, int] = {"onnx": 0, "onnx-int8": 0}
"""How many exports (fp32) and quantizations (int8) this process ran; tests read it."""


# -- the cache key ------------------------------------------------------------------------
def _weights_file(transformer: Path) -> Path:
    for name in _WEIGHT_FILES:
        if (transformer / name).is_file():
            return transformer / name
    raise ModelError(
        f"no weights in {transformer} (looked for {', '.join(_WEIGHT_FILES)}): the onnx "
        "backends export from a local sentence-transformers folder"
    )


def _weights_digest(weights: Path, cache_dir: Path) -> str:
    """sha256 of the weights file, remembered per (path, size, mtime) to keep startup fast."""
    stat = weights.stat()
    stamp_key = f"{weights.resolve()}|{stat.st_size}|{stat.st_mtime_ns}"
    stamps_file = cache_dir / "onnx" / "weights-sha256.json"
    stamps: dict[str, str] = {}
    if stamps_file.is_file():
        try:
            loaded = json.loads(stamps_file.read_text(encoding="utf-8"))
            stamps = {str(k): str(v) for k, v in loaded.items()} if isinstance(loaded, dict) else {}
        except (OSError, ValueError):
            stamps = {}
    if stamp_key in stamps:
        return stamps[stamp_key]
    digest = hashlib.sha256()
    with weights.open("rb") as f:
        while block := f.read(1 << 20):
            digest.update(block)
    stamps[stamp_key] = digest.hexdigest()
    try:
        with _atomic_path(stamps_file) as tmp:
            tmp.write_text(json.dumps(stamps, indent=1), encoding="utf-8")
    except OSError:
        pass  # a read-only cache only costs the hash next time
    return stamps[stamp_key]


def cached_model_file(transformer: Path, cache_dir: Path, quantized: bool) -> Path:
    """Where the ONNX file of this model and variant is (or will be) cached."""
    weights = _weights_file(transformer)
    digest = _weights_digest(weights, cache_dir)
    key = hashlib.sha256(
        f"{transformer.resolve()}\n{digest}\nexport-v{EXPORT_VERSION}\nopset{OPSET}".encode()
    ).hexdigest()[:16]
    slug = re.sub(r"[^A-Za-z0-9_.-]+", "_", transformer.resolve().name or "model")
    if slug == "model":  # the packaged folder is called "model": name its package instead
        slug = re.sub(r"[^A-Za-z0-9_.-]+", "_", transformer.resolve().parent.name)
    return cache_dir / "onnx" / f"{slug}-{key}" / ("model-int8.onnx" if quantized else "model.onnx")


# -- building the cache -------------------------------------------------------------------
@contextmanager
def _atomic_path(target: Path) -> Iterator[Path]:
    """A temporary path beside `target`, renamed onto it only if the block completes."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        yield tmp
        with tmp.open("rb") as f:
            os.fsync(f.fileno())
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def _remove_stale_temps(folder: Path) -> None:
    """Temp files of exports that died long ago (a live export's are recent, so kept)."""
    if not folder.is_dir():
        return
    now = time.time()
    for tmp in folder.glob(".*.tmp"):
        try:
            if now - tmp.stat().st_mtime > STALE_TEMP_SECONDS:
                tmp.unlink()
        except OSError:
            pass


def _export_fp32(transformer: Path, target: Path) -> None:
    """torch.onnx.export of the transformers model: last_hidden_state, dynamic batch and seq."""
    _remove_stale_temps(target.parent)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    try:
        import torch
        from transformers import AutoModel
    except ImportError as exc:  # pragma: no cover - torch is a dependency
        raise ModelError(f"exporting to ONNX needs torch and transformers: {exc}") from exc
    try:
        import onnx  # noqa: F401  (torch.onnx.export writes through it)
    except ImportError as exc:
        raise ModelError("exporting to ONNX needs the onnx package: pip install onnx") from exc

    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()  # type: ignore[no-untyped-call]
    try:
        # eager attention: the sdpa path branches on tensor values while tracing
        model = AutoModel.from_pretrained(
            str(transformer), attn_implementation="eager", local_files_only=True
        ).eval()
    except OSError as exc:
        raise ModelError(f"cannot load {transformer} for the ONNX export: {exc}") from exc
    takes_types = "token_type_ids" in inspect.signature(model.forward).parameters

    class LastHiddenState(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, *args: Any) -> Any:
            kwargs = dict(zip(INPUTS, args, strict=False))
            return self.model(**kwargs).last_hidden_state

    names = list(INPUTS if takes_types else INPUTS[:2])
    ids = torch.tensor([[101, 7592, 2088, 2003, 102], [101, 7592, 102, 0, 0]], dtype=torch.long)
    mask = (ids != 0).long()
    sample = (ids, mask, torch.zeros_like(ids))[: len(names)]
    axes = {name: {0: "batch", 1: "sequence"} for name in [*names, "last_hidden_state"]}
    with _atomic_path(target) as tmp, torch.no_grad(), warnings.catch_warnings():
        # the legacy (TorchScript) exporter is the one that needs no onnxscript; it warns that
        # it is legacy, and the trace warns about shape checks that hold for every input
        warnings.simplefilter("ignore")
        torch.onnx.export(
            LastHiddenState(),
            sample,
            str(tmp),
            input_names=names,
            output_names=["last_hidden_state"],
            dynamic_axes=axes,
            opset_version=OPSET,
            do_constant_folding=True,
            dynamo=False,
            external_data=False,
        )
    export_counter["onnx"] += 1


def _quantize_int8(source: Path, target: Path) -> None:
    """Dynamic int8 quantization of the fp32 export (weights int8, activations at run time)."""
    _remove_stale_temps(target.parent)
    try:
        import onnx
        from onnxruntime.quantization import QuantType, quantize_dynamic
    except ImportError as exc:
        raise ModelError("int8 quantization needs the onnx package: pip install onnx") from exc
    graph = onnx.load(str(source)).graph
    shapes = {w.name: tuple(w.dims) for w in graph.initializer}
    # the feed-forward down-projections (1536 -> 384 in MiniLM) stay fp32: their input, after
    # GELU, has outliers that one int8 scale per batch tensor cannot hold (cosine to fp32
    # drops from ~0.99 to ~0.97, and a text's vector then moves with its batchmates)
    down = [
        node.name
        for node in graph.node
        if node.op_type == "MatMul"
        and len(shape := shapes.get(node.input[1], ())) == 2
        and shape[0] > shape[1]
    ]
    quiet = _DropRecords("Please consider to run pre-processing")
    root = logging.getLogger()
    root.addFilter(quiet)
    try:
        with _atomic_path(target) as tmp, warnings.catch_warnings():
            warnings.simplefilter("ignore")
            # the other weight MatMuls, per output channel (one scale per tensor costs ~5
            # points of cosine); attention's activation-by-activation MatMuls stay fp32
            quantize_dynamic(
                source,
                tmp,
                weight_type=QuantType.QInt8,
                op_types_to_quantize=["MatMul"],
                per_channel=True,
                nodes_to_exclude=down,
            )
    finally:
        root.removeFilter(quiet)
    export_counter["onnx-int8"] += 1


class _DropRecords(logging.Filter):
    """Drops log records that start with a given message (quantize_dynamic's advice)."""

    def __init__(self, prefix: str) -> None:
        super().__init__()
        self.prefix = prefix

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith(self.prefix)


def ensure_model_file(transformer: Path, target: Path, quantized: bool) -> None:
    """Export (and quantize) into `target` unless a file is already cached there."""
    if target.is_file():
        return
    fp32 = target.with_name("model.onnx")
    if not fp32.is_file():
        _export_fp32(transformer, fp32)
    if quantized:
        _quantize_int8(fp32, target)
