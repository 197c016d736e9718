"""The sentence-transformers model run by ONNX Runtime: exported locally once, then no torch.

The first use exports the packaged model (torch + transformers, nothing downloaded) to ONNX and,
for the int8 variant, quantizes it with `onnxruntime.quantization.quantize_dynamic`. The files
are cached under `cache_dir/onnx/<model>-<key>/`, where the key covers the model folder, a
sha256 of its weights file and the export recipe; each file is written to a temporary name and
renamed into place, so a killed export never leaves a file that a later run would load.

Importing this module is cheap: numpy, onnxruntime, tokenizers (and torch, for an export only)
are imported inside the functions that need them.
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
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from index.embedding import Embedder, resolve_model_path, usable_cores
from index.errors import ModelError

if TYPE_CHECKING:
    import onnxruntime
    from tokenizers import Encoding, Tokenizer

    from index.embedding import Vectors

__all__ = ["EXPORT_VERSION", "OnnxEmbedder", "cached_model_file", "export_counter"]

EXPORT_VERSION = 1  # bump when the export recipe changes: old cache entries are then ignored
OPSET = 17
STALE_TEMP_SECONDS = 3600.0
_WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin")
_INPUTS = ("input_ids", "attention_mask", "token_type_ids")

export_counter: dict[str, int] = {"onnx": 0, "onnx-int8": 0}
"""How many exports (fp32) and quantizations (int8) this process ran; tests read it."""


class OnnxEmbedder(Embedder):
    """A sentence-transformers model (mean pooling) on ONNX Runtime, fp32 or dynamic int8."""

    def __init__(
        self,
        model: str,
        cache_dir: Path,
        quantized: bool = False,
        batch_size: int = 64,
        threads: int | None = None,
    ) -> None:
        folder = resolve_model_path(model)
        transformer = _transformer_folder(folder)
        _check_mean_pooling(folder)
        self.name = model
        self.quantized = quantized
        self.batch_size = batch_size
        self.max_length = _max_seq_length(folder, transformer)
        self.model_file = cached_model_file(transformer, Path(cache_dir), quantized)
        self._tokenizer = _load_tokenizer(transformer, self.max_length)
        self._session = _open_session(
            self.model_file, transformer, Path(cache_dir), quantized, threads or usable_cores()
        )
        self._input_names = [i.name for i in self._session.get_inputs()]
        self.dimension = _output_dimension(self._session, transformer)

    def _encode(self, texts: Sequence[str]) -> Vectors:
        import numpy as np

        encodings = self._tokenizer.encode_batch(list(texts))
        # longest first, as sentence-transformers does, so each batch pads little
        order = sorted(range(len(encodings)), key=lambda i: -len(encodings[i].ids))
        out = np.empty((len(encodings), self.dimension), dtype=np.float32)
        for start in range(0, len(order), self.batch_size):
            rows = order[start : start + self.batch_size]
            out[rows] = self._run([encodings[i] for i in rows])
        return out

    def _run(self, batch: Sequence[Encoding]) -> Vectors:
        """Mean-pooled, L2-normalized vectors of one batch of encodings."""
        import numpy as np

        width = max(len(e.ids) for e in batch)
        feeds = {name: np.zeros((len(batch), width), dtype=np.int64) for name in _INPUTS}
        for row, enc in enumerate(batch):
            n = len(enc.ids)
            feeds["input_ids"][row, :n] = enc.ids
            feeds["attention_mask"][row, :n] = enc.attention_mask
            feeds["token_type_ids"][row, :n] = enc.type_ids
        inputs = {name: feeds[name] for name in self._input_names}
        (hidden,) = self._session.run(["last_hidden_state"], inputs)
        mask = feeds["attention_mask"].astype(np.float32)[:, :, None]
        summed = (np.asarray(hidden, dtype=np.float32) * mask).sum(axis=1)
        pooled = summed / np.clip(mask.sum(axis=1), 1e-9, None)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        vectors: Vectors = (pooled / np.clip(norms, 1e-12, None)).astype(np.float32)
        return vectors


# -- the model folder ---------------------------------------------------------------------
def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ModelError(f"cannot read {path}: {exc}") from exc


def _transformer_folder(folder: Path) -> Path:
    """Where the transformer's config, weights and tokenizer lie (modules.json may nest it)."""
    modules = folder / "modules.json"
    if modules.is_file():
        for module in _read_json(modules):
            if str(module.get("type", "")).endswith(".Transformer"):
                return folder / str(module.get("path", ""))
    return folder


def _check_mean_pooling(folder: Path) -> None:
    config = folder / "1_Pooling" / "config.json"
    if not config.is_file():
        return
    modes = {k: v for k, v in _read_json(config).items() if k.startswith("pooling_mode_") and v}
    if set(modes) != {"pooling_mode_mean_tokens"}:
        raise ModelError(
            f"the onnx backends only do mean pooling, but {folder} uses {sorted(modes)}: "
            "set REVIEWQA_EMBEDDING_BACKEND=torch for this model"
        )


def _max_seq_length(folder: Path, transformer: Path) -> int:
    """The truncation length sentence-transformers uses for this model."""
    for config in (transformer / "sentence_bert_config.json", folder / "sentence_bert_config.json"):
        if config.is_file():
            value = _read_json(config).get("max_seq_length")
            if isinstance(value, int) and value > 0:
                return value
    limit = _read_json(transformer / "config.json").get("max_position_embeddings", 512)
    return int(limit)


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
            kwargs = dict(zip(_INPUTS, args, strict=False))
            return self.model(**kwargs).last_hidden_state

    names = list(_INPUTS if takes_types else _INPUTS[:2])
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


def _ensure_model_file(transformer: Path, target: Path, quantized: bool) -> None:
    if target.is_file():
        return
    fp32 = target.with_name("model.onnx")
    if not fp32.is_file():
        _export_fp32(transformer, fp32)
    if quantized:
        _quantize_int8(fp32, target)


def _open_session(
    target: Path, transformer: Path, cache_dir: Path, quantized: bool, threads: int
) -> onnxruntime.InferenceSession:
    """The session of the cached file; a file that does not load is rebuilt once."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.log_severity_level = 3
    _ensure_model_file(transformer, target, quantized)
    try:
        return ort.InferenceSession(str(target), options, providers=["CPUExecutionProvider"])
    except Exception:  # a damaged cache file (copied in part, disk full): rebuild it
        target.unlink(missing_ok=True)
        try:
            _ensure_model_file(transformer, target, quantized)
        except Exception:
            if not quantized:
                raise
            target.with_name("model.onnx").unlink(missing_ok=True)  # the fp32 source too
            _ensure_model_file(transformer, target, quantized)
    try:
        return ort.InferenceSession(str(target), options, providers=["CPUExecutionProvider"])
    except Exception as exc:
        raise ModelError(f"ONNX Runtime cannot load {target}: {exc}") from exc


def _load_tokenizer(transformer: Path, max_length: int) -> Tokenizer:
    from tokenizers import Tokenizer

    path = transformer / "tokenizer.json"
    if not path.is_file():
        raise ModelError(
            f"{transformer} has no tokenizer.json (a fast tokenizer): the onnx backends need "
            "one; set REVIEWQA_EMBEDDING_BACKEND=torch for this model"
        )
    tokenizer = Tokenizer.from_file(str(path))
    tokenizer.enable_truncation(max_length=max_length)
    tokenizer.no_padding()  # each batch is padded to its own longest text
    return tokenizer


def _output_dimension(session: onnxruntime.InferenceSession, transformer: Path) -> int:
    shape = session.get_outputs()[0].shape
    if isinstance(shape[-1], int):
        return shape[-1]
    return int(_read_json(transformer / "config.json")["hidden_size"])
