"""The one exception a user sees: its message is printed as a single line, no traceback."""


class TexganError(Exception):
    """Bad input or a failed job, described in words a user can act on."""
