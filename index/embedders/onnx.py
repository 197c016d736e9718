"""A sentence-transformers model (mean pooling) run by ONNX Runtime: no torch at query time.

The first use exports the model to ONNX (see `index.embedders.export`, which caches the file);
numpy, onnxruntime and tokenizers are imported inside the functions that need them, so
importing this module is cheap.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from index.embedders.base import Embedder, resolve_model_path, usable_cores
from index.embedders.export import INPUTS, cached_model_file, ensure_model_file
from index.errors import ModelError

if TYPE_CHECKING:
    import onnxruntime
    from tokenizers import Encoding, Tokenizer

    from index.embedders.base import Vectors

__all__ = ["OnnxEmbedder"]


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
        feeds = {name: np.zeros((len(batch), width), dtype=np.int64) for name in INPUTS}
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


# -- running the model --------------------------------------------------------------------
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
    ensure_model_file(transformer, target, quantized)
    try:
        return ort.InferenceSession(str(target), options, providers=["CPUExecutionProvider"])
    except Exception:  # a damaged cache file (copied in part, disk full): rebuild it
        target.unlink(missing_ok=True)
        try:
            ensure_model_file(transformer, target, quantized)
        except Exception:
            if not quantized:
                raise
            target.with_name("model.onnx").unlink(missing_ok=True)  # the fp32 source too
            ensure_model_file(transformer, target, quantized)
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
