"""The one exception a user sees: its message is printed as a single line, no traceback."""


class TexganError(Exception):
    """Bad input or a failed job, described in words a user can act on."""


def first_line(error: BaseException) -> str:
    """An exception's message cut to its first line (torch's run over several), or its type."""
    return (str(error).strip().splitlines() or [type(error).__name__])[0]
