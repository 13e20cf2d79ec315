"""Model and training-state files: torch tensors in the `.texgan` container (see fileformat).

A model file holds the EMA generator's weights, its config, the exemplar names, a thumbnail
and training metadata: everything generation needs, nothing it must trust.
"""

import torch

from . import __version__
from .config import model_config_from_dict, to_dict
from .errors import TexganError, first_line
from .fileformat import THUMBNAIL_KEY, read_container, write_container
from .nets import build_generator

_DTYPE_NAMES = {torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16",
                torch.float64: "F64", torch.int64: "I64", torch.int32: "I32", torch.int16: "I16",
                torch.int8: "I8", torch.uint8: "U8", torch.bool: "BOOL"}
_DTYPES = {v: k for k, v in _DTYPE_NAMES.items()}


def pack_tensors(tensors: dict) -> dict:
    """{name: tensor} → {name: (dtype, shape, bytes)} in the container's terms."""
    packed = {}
    for name, t in tensors.items():
        t = t.detach().to("cpu").contiguous()
        raw = t.reshape(-1).view(torch.uint8).numpy().tobytes() if t.numel() else b""
        packed[name] = (_DTYPE_NAMES[t.dtype], tuple(t.shape), raw)
    return packed


def unpack_tensors(entries: dict, path) -> dict:
    tensors = {}
    for name, (dtype, shape, raw) in entries.items():
        if dtype not in _DTYPES:
            raise TexganError(f"model file {path} holds an unsupported tensor type {dtype}")
        if len(raw) == 0:
            tensors[name] = torch.empty(shape, dtype=_DTYPES[dtype])
        else:
            tensors[name] = torch.frombuffer(bytearray(raw), dtype=_DTYPES[dtype]).reshape(shape)
    return tensors


def model_info(config, textures, training, **extra) -> dict:
    return {"arch": config.arch, "config": to_dict(config), "textures": list(textures),
            "stride": config.stride, "channels": config.channels, "training": training,
            "texgan_version": __version__, **extra}


def save_model(path, generator, config, textures, training: dict, thumbnail_png: bytes) -> None:
    tensors = pack_tensors({f"g.{k}": v for k, v in generator.state_dict().items()})
    tensors[THUMBNAIL_KEY] = ("U8", (len(thumbnail_png),), thumbnail_png)
    write_container(path, tensors, model_info(config, textures, training))


def load_generator(path):
    """(config, generator in eval mode on the CPU, info) from a model file."""
    info, entries = read_container(path)
    try:
        config = model_config_from_dict(info["config"])
        if config.channels not in (1, 3, 4):
            raise ValueError(f"{config.channels} colour channels")
        with torch.device("meta"):    # shapes only: a config asking for gigabytes costs nothing
            expected = {k: tuple(v.shape) for k, v in build_generator(config).state_dict().items()}
    except (KeyError, ValueError, TypeError, AttributeError, RuntimeError) as e:
        raise TexganError(f"model file {path} has an unusable config ({first_line(e)})") from None
    stored = {k[2:]: tuple(shape) for k, (_, shape, _) in entries.items() if k.startswith("g.")}
    names = info.get("textures", [None] * config.textures)   # optional: generation names them
    if stored != expected or not isinstance(names, list) or len(names) != config.textures:
        raise TexganError(f"model file {path} does not match its own config (damaged?)")
    generator = build_generator(config)
    state = {k[2:]: v for k, v in unpack_tensors(entries, path).items() if k.startswith("g.")}
    if not all(torch.isfinite(v).all() for v in state.values() if v.is_floating_point()):
        # it would make a black image and call it done
        raise TexganError(f"model file {path} is damaged: some of its weights are not numbers "
                          f"(a corrupted file, or a training that diverged)")
    try:
        generator.load_state_dict(state)
    except RuntimeError:
        raise TexganError(f"model file {path} does not match its own config (damaged?)") from None
    return config, generator.eval(), info


def save_state(path, parts: dict, meta: dict) -> None:
    """Everything a resumed training needs: {part: {name: tensor}} plus JSON-able `meta`."""
    tensors = {}
    for part, state in parts.items():
        tensors.update(pack_tensors({f"{part}/{k}": v for k, v in state.items()}))
    write_container(path, tensors, meta)


def load_state(path):
    meta, entries = read_container(path, kind="training state")
    parts = {}
    for name, tensor in unpack_tensors(entries, path).items():
        part, _, key = name.partition("/")
        parts.setdefault(part, {})[key] = tensor
    return parts, meta
