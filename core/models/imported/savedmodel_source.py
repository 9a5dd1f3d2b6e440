"""A TensorFlow SavedModel folder, its graph read and vetted before TensorFlow loads it.

A SavedModel is a program: its graph may read or write files (ReadFile, WriteFile, table
initialisers fed from text files at load time), call back into Python (PyFunc) or print to
any stream. Every operation of every graph and function in `saved_model.pb` is listed
before loading and the dangerous ones are refused by name; the saver's own operations
(SaveV2, RestoreV2, ...) are allowed only outside the serving function.
"""

from __future__ import annotations

import re
from pathlib import Path

from core.models.imported.settings import ModelImportError

# Operations that touch files, processes, the network or Python (refused anywhere in the file).
DANGEROUS = re.compile(r"ReadFile|WriteFile|MatchingFiles|DeleteFile|RecursivelyCreateDir|FileExists|PyFunc|"
                       r"EagerPyFunc|Print|Debug|Rpc|Socket|Dataset|Reader|Iterator|TextFile|Summary|Writer|"
                       r"ImmutableConst|LoadAndRemapMatrix|Send$|Recv$|Enqueue|Dequeue|Execute|Shell|Env")
# The checkpoint saver's operations: in every SavedModel, never in a classifier's forward pass.
SAVER = re.compile(r"^(SaveV2|Save|SaveSlices|RestoreV2|Restore|RestoreSlice|MergeV2Checkpoints|ShardedFilename|"
                   r"StringJoin|ShardedFilespec)$")
SIGNATURE = "serving_default"


def _operations(graph_def) -> set[str]:
    found = {node.op for node in graph_def.node}
    for function in graph_def.library.function:
        found |= {node.op for node in function.node_def}
    return found


def vet(folder: Path) -> None:
    """Refuse a folder that is not a SavedModel, or whose graphs hold a dangerous operation."""
    from tensorflow.core.protobuf import saved_model_pb2

    pb = folder / "saved_model.pb"
    if not pb.is_file():
        raise ModelImportError(f"{folder.name} is a folder but not a TensorFlow SavedModel (no saved_model.pb)")
    proto = saved_model_pb2.SavedModel()
    try:
        proto.ParseFromString(pb.read_bytes())
    except Exception:  # protobuf's DecodeError
        raise ModelImportError(f"{folder.name}/saved_model.pb is not a SavedModel protocol buffer") from None
    operations = set().union(*(_operations(m.graph_def) for m in proto.meta_graphs)) if proto.meta_graphs else set()
    dangerous = sorted(op for op in operations if DANGEROUS.search(op) and not SAVER.match(op))
    if dangerous:
        raise ModelImportError(f"{folder.name} holds operations that touch files, processes or Python: "
                               f"{', '.join(dangerous)}; only a pure classifier graph can be imported")
    if not any(SIGNATURE in m.signature_def for m in proto.meta_graphs):
        raise ModelImportError(f"{folder.name} has no '{SIGNATURE}' signature: export it with model.export(path) "
                               "or tf.saved_model.save(model, path, signatures=...)")


def vet_serving(function) -> None:
    """Refuse a serving function that calls the saver (it would read or write checkpoints)."""
    used = _operations(function.graph.as_graph_def())
    saver = sorted(op for op in used if SAVER.match(op) or DANGEROUS.search(op))
    if saver:
        raise ModelImportError(f"the SavedModel's serving function calls {', '.join(saver)}: it reads or writes files")


def signature(folder: Path):
    """The loaded serving function, its input's name and shape, and its output's name."""
    import tensorflow as tf

    vet(folder)
    try:
        loaded = tf.saved_model.load(str(folder))
    except Exception as error:
        raise ModelImportError(f"{folder.name} could not be loaded by TensorFlow {tf.__version__} "
                               f"({type(error).__name__}: {' '.join(str(error).split())[:200]})") from None
    function = loaded.signatures[SIGNATURE]
    vet_serving(function)
    _, inputs = function.structured_input_signature
    if len(inputs) != 1:
        raise ModelImportError(f"the SavedModel's serving signature takes {len(inputs)} inputs; a classifier takes one image")
    (input_name, spec), = inputs.items()
    outputs = list(function.structured_outputs)
    return loaded, function, input_name, [d for d in spec.shape.as_list()], outputs[0]


def reference(function, input_name: str, output_name: str):
    """The original runtime: TensorFlow running the SavedModel's own serving function."""
    import numpy as np
    import tensorflow as tf

    def run(images):
        return np.asarray(function(**{input_name: tf.constant(images, tf.float32)})[output_name])

    return run, f"TensorFlow {tf.__version__}"
