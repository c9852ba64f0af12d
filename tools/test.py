"""``python tools/test.py ...``: ``mme test ...`` for users of OpenMMLab repositories."""

from __future__ import annotations

import argparse
import sys

from mme.runner.cli import test as command


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="tools/test.py", description=command.__doc__)
    command.add_arguments(parser)
    return command.run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
