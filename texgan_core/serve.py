"""The generation worker: `python -m texgan_core serve`, driven by JSON lines on stdin.

Blender starts one and keeps it for the session, so torch is imported and each model loaded
once. Protocol (one JSON object per line, UTF-8):

  worker -> first line:  {"event": "ready", "ok": true, "pid": 123, "torch": "2.x"}
                         or {"event": "ready", "ok": false, "error": "..."} then exit status 3
  request:  {"id": 1, "cmd": "generate", "model": "bricks" | "/path/m.texgan",
             "width": 512, "height": 512, "seed": 0, "texture": 0, "device": "auto",
             "extra_dirs": ["/user/models"], "out": "/tmp/result.npy"}
  progress: {"id": 1, "event": "progress", "done": 0.25}   (after each band of rows; before
             the reply, which is the line of that id without "event")
  reply:    {"id": 1, "ok": true, "out": "/tmp/result.npy", "width": 512, "height": 512,
             "seconds": 0.4}
            `out` holds a float32 H×W×3 array in [0, 1], row 0 at the top (numpy .npy).
  request:  {"id": 2, "cmd": "info"}    -> {"id": 2, "ok": true, "pid": .., "torch": ..,
                                             "loaded": ["/path/m.texgan@cpu", ...]}
  request:  {"id": 3, "cmd": "unload"}  -> {"id": 3, "ok": true}  (frees every loaded model)
  request:  {"id": 4, "cmd": "quit"}    -> {"id": 4, "ok": true}, then exit status 0
  any failure: {"id": n, "ok": false, "error": "one line for the user", "kind": "user" |
               "request" | "internal"}

A bad request never ends the worker; end of stdin does (so it cannot outlive Blender).
"""

import argparse
import json
import os
import sys
import time
import traceback
from collections import OrderedDict

from .errors import TexganError

MAX_LOADED = 4


class BadRequest(Exception):
    pass


class Worker:
    def __init__(self, send=None):
        import torch  # noqa: F401  (fail at start, not at the first request)
        import numpy  # noqa: F401
        self._models = OrderedDict()             # (path, mtime, size, device) -> model
        self._send = send or (lambda message: None)

    def model(self, name, device, extra_dirs):
        from . import load_model
        from .catalog import resolve_model
        path = resolve_model(name, extra_dirs)
        stat = os.stat(path)
        key = (str(path), stat.st_mtime_ns, stat.st_size, device)
        if key in self._models:
            self._models.move_to_end(key)
            return self._models[key]
        # A retrained model has a new mtime: drop the stale copies of that file.
        for old in [k for k in self._models if k[0] == key[0]]:
            del self._models[old]
        model = load_model(path, device=device, extra_dirs=extra_dirs)
        self._models[key] = model
        while len(self._models) > MAX_LOADED:
            self._models.popitem(last=False)
        return model

    def handle(self, request: dict) -> dict:
        cmd = request.get("cmd")
        if cmd == "generate":
            return self.generate(request)
        if cmd == "info":
            import torch
            return {"pid": os.getpid(), "torch": torch.__version__,
                    "loaded": [f"{k[0]}@{k[3]}" for k in self._models]}
        if cmd == "unload":
            self._models.clear()
            return {}
        if cmd == "quit":
            return {}
        raise BadRequest(f"unknown command: {cmd!r}")

    def generate(self, request: dict) -> dict:
        import numpy as np
        try:
            name = str(request["model"])
            width, height = int(request["width"]), int(request["height"])
            seed, texture = int(request.get("seed", 0)), int(request.get("texture", 0))
            out = str(request["out"])
        except (KeyError, TypeError, ValueError) as e:
            raise BadRequest(f"generate needs model, width, height and out: {e}") from None
        if width <= 0 or height <= 0:
            raise TexganError(f"width and height must be positive, not {width}×{height}")
        device = str(request.get("device") or "auto")
        extra_dirs = [str(d) for d in request.get("extra_dirs") or []]
        start = time.perf_counter()
        model = self.model(name, device, extra_dirs)
        model.check_size(width, height)
        def progress(done):
            self._send({"id": request.get("id"), "event": "progress", "done": round(done, 4)})

        image = model.generate(width, height, seed=seed, texture=texture, on_progress=progress)
        if image.ndim == 3 and image.shape[2] == 1:      # grey models: Blender wants RGB
            image = np.repeat(image, 3, axis=2)
        elif image.ndim == 3 and image.shape[2] == 4:    # RGBA models: colour only for now
            image = image[..., :3]
        if image.shape != (height, width, 3):
            raise RuntimeError(f"model returned shape {image.shape}, "
                               f"expected {(height, width, 3)}")
        tmp = out + ".part.npy"
        np.save(tmp, np.clip(image, 0.0, 1.0))
        os.replace(tmp, out)
        return {"out": out, "width": width, "height": height,
                "seconds": round(time.perf_counter() - start, 3)}


def reply_for(worker: Worker, line: str) -> dict:
    """The reply to one request line; never raises."""
    request_id = None
    try:
        request = json.loads(line)
        if not isinstance(request, dict):
            raise BadRequest("a request must be a JSON object")
        request_id = request.get("id")
        return {"id": request_id, "ok": True, **worker.handle(request)}
    except TexganError as e:
        return {"id": request_id, "ok": False, "error": str(e), "kind": "user"}
    except (BadRequest, json.JSONDecodeError) as e:
        return {"id": request_id, "ok": False, "error": f"bad request: {e}", "kind": "request"}
    except MemoryError:
        return {"id": request_id, "ok": False, "kind": "internal",
                "error": "out of memory: try a smaller size or release other models"}
    except Exception as e:  # noqa: BLE001  (the worker must survive any one request)
        traceback.print_exc(file=sys.stderr)
        return {"id": request_id, "ok": False, "kind": "internal",
                "error": f"internal error: {type(e).__name__}: {e}"}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="texgan serve",
                                     description="Generation worker: JSON lines on stdin/stdout.")
    parser.parse_args(argv)

    # The protocol owns the real stdout; anything else printing (torch, a stray print, C code)
    # goes to stderr so it cannot corrupt a reply.
    protocol = os.fdopen(os.dup(sys.stdout.fileno()), "w", encoding="utf-8", buffering=1)
    sys.stdout.flush()
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    sys.stdout = sys.stderr

    def send(message: dict) -> None:
        protocol.write(json.dumps(message) + "\n")
        protocol.flush()

    try:
        worker = Worker(send)
    except ImportError as e:
        send({"event": "ready", "ok": False, "error": f"{e}; install torch for {sys.executable} "
                                                      f"or run the worker with a Python that has it"})
        return 3
    import torch
    send({"event": "ready", "ok": True, "pid": os.getpid(), "torch": torch.__version__})

    for line in sys.stdin:
        if not line.strip():
            continue
        reply = reply_for(worker, line)
        send(reply)
        if reply.get("ok") and _is_quit(line):
            return 0
    return 0


def _is_quit(line: str) -> bool:
    try:
        return json.loads(line).get("cmd") == "quit"
    except (ValueError, AttributeError):
        return False
