"""Embedders: one small interface and its backends, each a short module.

- `base`: the `Embedder` interface (input checks and batching shared), model folders, cores;
- `torch`: a sentence-transformers model on PyTorch;
- `onnx`: the same model on ONNX Runtime (fp32 or int8), with no torch at query time;
- `export`: the one-off local ONNX export and int8 quantization that `onnx` loads, cached;
- `factory`: `load_embedder(settings)`, the backend the settings name, once per process.

Importing any of them is cheap: numpy, torch, onnxruntime and tokenizers load on first use.
"""
