"""Progress for people (a bar with ETA on stderr) and for programs (JSON lines on stdout)."""

import errno
import json
import os
import sys
import time


_open_line = None  # the stream whose bar a redraw left without its newline


def end_bar_line():
    """Finish a bar's line that an interruption left open, so a message starts on its own."""
    global _open_line
    stream, _open_line = _open_line, None
    if stream is not None:
        try:
            stream.write("\n")
            stream.flush()
        except (OSError, ValueError):   # closed since: nothing left to finish
            pass


def _send(stream, text) -> bool:
    """Write and flush; False once the reader is gone (a closed pipe, a hung-up terminal, a
    closed file). The dead stream is then pointed at the null device, so that nothing fails
    on it again, not even Python's last flush at exit. Any other failure (a full disk under
    a log file) loses this line only: progress is not worth stopping for."""
    try:
        stream.write(text)
        stream.flush()
        return True
    except (BrokenPipeError, ConnectionResetError, ValueError):
        gone = True
    except OSError as e:
        gone = e.errno == errno.EIO
    if gone:
        to_devnull(stream)
    return not gone


def to_devnull(stream) -> None:
    """Point a stream whose reader is gone at the null device (if it has a file descriptor)."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, stream.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):
        pass


def _clock(seconds) -> str:
    seconds = int(max(0, seconds))
    h, rem = divmod(seconds, 3600)
    return f"{h}:{rem // 60:02d}:{rem % 60:02d}" if h else f"{rem // 60:02d}:{rem % 60:02d}"


class BarProgress:
    """`[#####-----]  120/2000   6%  d 1.23 g 0.87  3.1 step/s  ETA 10:05`, redrawn in place
    on a terminal, or as a line every ~10 s when stderr is a file."""

    def __init__(self, stream=None, width=28):
        self.stream = stream or sys.stderr
        self.width = width
        self.tty = getattr(self.stream, "isatty", lambda: False)()
        self.lost = False                 # the terminal went away: a training then stops
        self._last_line = 0.0

    def start(self, step, total):
        self._write(f"training: step {step} of {total}\n")

    def update(self, step, total, losses, steps_per_s, eta_s, sample):
        done = step / max(total, 1)
        loss_text = "  ".join(f"{k} {v:.3f}" for k, v in losses.items())
        self.draw(done, f"{step:>6}/{total} {100 * done:3.0f}%  {loss_text}  {steps_per_s:.2f} step/s  "
                        f"ETA {_clock(eta_s)}")

    def draw(self, done, text, label=""):
        """`label[#####-----] text` for `done` in [0, 1]: redrawn in place on a terminal,
        otherwise a line at most every ~10 s (and the last one)."""
        now = time.monotonic()
        if not self.tty and now - self._last_line < 10 and done < 1:
            return
        self._last_line = now
        filled = int(self.width * done)
        line = f"{label}[{'#' * filled}{'-' * (self.width - filled)}] {text}"
        self._write(("\r" + line) if self.tty else line + "\n")

    def event(self, kind, **fields):
        if self.tty:
            self._write("\n")
        text = {"done": "done: {model}",
                "stopped": "stopped at step {step}; resume with --resume: {model}"}.get(kind)
        if text:
            self._write(text.format(**fields) + "\n")

    def _write(self, text):
        global _open_line
        if not _send(self.stream, text):
            self.lost = True
        if self.tty:
            _open_line = None if text.endswith("\n") else self.stream


class JsonProgress:
    """One JSON object per line, flushed at once: the Blender panel reads these."""

    def __init__(self, stream=None):
        self.stream = stream or sys.stdout
        self.lost = False                 # the reader (the Blender panel) went away

    def start(self, step, total):
        self.event("start", step=step, total=total)

    def update(self, step, total, losses, steps_per_s, eta_s, sample):
        self.event("progress", step=step, total=total, losses=losses,
                   steps_per_s=round(steps_per_s, 4), eta_s=round(eta_s, 1), sample=sample)

    def event(self, kind, **fields):
        if not _send(self.stream, json.dumps({"event": kind, **fields}) + "\n"):
            self.lost = True


BAR_AFTER_S = 1.0   # work quicker than this gets no bar


class StageBar:
    """`label [####----]  40%  text`, for work that is not a training: called with the share
    done after each piece, it draws once the work has taken `after_s` (a moment's work gets
    no bar); `finish()` ends the bar's line."""

    def __init__(self, label, stream=None, width=28, after_s=None):
        self.bar = BarProgress(stream, width)
        self.label, self.after_s = label, BAR_AFTER_S if after_s is None else after_s
        self.start = self.bar._last_line = time.monotonic()  # off a terminal, a line after ~10 s
        self.drawn = False

    def elapsed(self) -> float:
        return time.monotonic() - self.start

    def __call__(self, done, text=""):
        if self.elapsed() < self.after_s:
            return
        self.drawn = True
        self.bar.draw(done, f"{100 * done:3.0f}%  {text}".rstrip(), f"{self.label} ")

    def finish(self):
        if self.drawn and self.bar.tty:
            self.bar._write("\n")


def with_bar(bands, height, label, stream=None, width=28, after_s=None):
    """Pass (top, band) pairs through, drawing `label [####----]  45%  ETA 01:10` on stderr."""
    bar = StageBar(label, stream, width, after_s)
    for top, band in bands:
        yield top, band
        done = (top + len(band)) / height
        bar(done, f"ETA {_clock(bar.elapsed() * (1 - done) / done)}")
    bar.finish()


REPORTERS = {"bar": BarProgress, "json": JsonProgress}
