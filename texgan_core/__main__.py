"""`python -m texgan_core` and the `texgan` command. The command-line module is imported
inside `run`, so that Ctrl+C pressed while Python is still loading it ends in one line too."""

import sys


def run() -> int:
    try:
        from .cli import main
    except KeyboardInterrupt:
        print("texgan: interrupted", file=sys.stderr)
        return 130
    return main()


if __name__ == "__main__":
    sys.exit(run())
