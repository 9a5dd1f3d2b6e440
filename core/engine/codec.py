"""A saved exploration in a format that cannot run code and can be checked: one `.npz` archive
(read with allow_pickle=False) holding the outcome's arrays, its other fields as JSON, and the
SHA-256 of both. Reading verifies the digest and the sizes before trusting anything, so a
damaged or altered entry is found and dropped instead of shown (pickle could run code, and
could not tell a flipped byte from a result).

Only registered dataclasses are rebuilt (ModelOutcome and ModelSpec, and any given to
register()); anything else in a file is an error."""

from __future__ import annotations

import dataclasses
import hashlib
import io
import json
import zipfile

import numpy as np

MAX_MEMBER_BYTES = 64 * 2**20  # one array of one column: a 299 px image is 1 MB
COMPRESS_LEVEL = 1  # zlib's fastest (encode)
META, DIGEST = "__meta__", "__digest__"


class DamagedEntry(ValueError):
    """A saved exploration that fails its checks (digest, sizes, types)."""


_REGISTERED: dict[str, type] = {}


def register(kind: type) -> type:
    """Allow the dataclass `kind` in saved entries (a decorator too); its name must be unique."""
    if not dataclasses.is_dataclass(kind):
        raise TypeError(f"only dataclasses can be registered, got {kind!r}")
    _REGISTERED[kind.__name__] = kind
    return kind


def _types() -> dict:
    from core.explore.outcome import ModelOutcome
    from core.models.spec import ModelSpec

    return {"ModelOutcome": ModelOutcome, "ModelSpec": ModelSpec, **_REGISTERED}


def encode(value) -> bytes:
    """`value` (a ModelOutcome) as the bytes of a checked .npz archive."""
    arrays: dict[str, np.ndarray] = {}
    meta = json.dumps(_plain(value, arrays), sort_keys=True, allow_nan=True).encode()
    members = {**arrays, META: np.frombuffer(meta, np.uint8), DIGEST: np.array(_digest(meta, arrays))}
    buffer = io.BytesIO()
    # np.savez_compressed's layout (one .npy per array, deflated), at zlib's fastest level: the app
    # writes one entry per column as it draws it, and at the default level that was 13 ms of the
    # server's CPU a column (15 % of it with five sessions exploring); level 1 takes half that for
    # a file 6 % larger. np.load reads either.
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=COMPRESS_LEVEL) as archive:
        for name, array in members.items():
            with archive.open(f"{name}.npy", "w", force_zip64=True) as member:
                np.lib.format.write_array(member, np.asanyarray(array), allow_pickle=False)
    return buffer.getvalue()


def decode(data: bytes):
    """The value encode() wrote; DamagedEntry for anything that fails a check."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for info in archive.infolist():
                if info.file_size > MAX_MEMBER_BYTES:
                    raise DamagedEntry(f"member {info.filename} claims {info.file_size:,} bytes")
        with np.load(io.BytesIO(data), allow_pickle=False) as saved:
            contents = {name: saved[name] for name in saved.files}
    except DamagedEntry:
        raise
    except Exception as error:  # noqa: BLE001 - zipfile, zlib and numpy raise many kinds on a bad file
        raise DamagedEntry(f"unreadable ({type(error).__name__}: {error})") from None
    try:
        meta = contents.pop(META).tobytes()
        digest = str(contents.pop(DIGEST))
    except KeyError:
        raise DamagedEntry("no metadata or digest") from None
    if digest != _digest(meta, contents):
        raise DamagedEntry("its digest does not match its contents")
    try:
        return _rebuilt(json.loads(meta), contents)
    except DamagedEntry:
        raise
    except Exception as error:  # noqa: BLE001 - a field the type refuses
        raise DamagedEntry(f"cannot be rebuilt ({type(error).__name__}: {error})") from None


def _digest(meta: bytes, arrays: dict[str, np.ndarray]) -> str:
    digest = hashlib.sha256(meta)
    for name in sorted(arrays):
        array = np.ascontiguousarray(arrays[name])
        digest.update(f"{name}|{array.dtype.str}|{array.shape}|".encode())
        digest.update(array.tobytes())
    return digest.hexdigest()


def _plain(value, arrays: dict):
    """JSON-ready form: arrays go to `arrays` and are referred to by name."""
    if isinstance(value, np.ndarray):
        name = f"a{len(arrays)}"
        arrays[name] = value
        return {"__array__": name}
    if isinstance(value, np.generic):
        return value.item()
    if dataclasses.is_dataclass(value):
        kind = type(value).__name__
        if kind not in _types():
            raise TypeError(f"cannot save a {kind}")
        return {"__type__": kind, "fields": {f.name: _plain(getattr(value, f.name), arrays)
                                             for f in dataclasses.fields(value)}}
    if isinstance(value, dict):
        if not all(isinstance(key, str) for key in value):
            raise TypeError("only string keys can be saved")
        return {"__dict__": {key: _plain(item, arrays) for key, item in value.items()}}
    if isinstance(value, tuple):
        return {"__tuple__": [_plain(item, arrays) for item in value]}
    if isinstance(value, list):
        return [_plain(item, arrays) for item in value]
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    raise TypeError(f"cannot save a {type(value).__name__}")


def _rebuilt(value, arrays: dict):
    if isinstance(value, list):
        return [_rebuilt(item, arrays) for item in value]
    if not isinstance(value, dict):
        return value
    if "__array__" in value:
        return arrays[value["__array__"]]
    if "__tuple__" in value:
        return tuple(_rebuilt(item, arrays) for item in value["__tuple__"])
    if "__dict__" in value:
        return {key: _rebuilt(item, arrays) for key, item in value["__dict__"].items()}
    if "__type__" in value:
        kind = _types().get(value["__type__"])
        if kind is None:
            raise DamagedEntry(f"unknown type {value['__type__']!r}")
        return kind(**{key: _rebuilt(item, arrays) for key, item in value["fields"].items()})
    raise DamagedEntry("an untagged object")
