"""``python tools/train.py ...``: ``mme train ...`` for users of OpenMMLab repositories."""

from __future__ import annotations

import argparse
import sys

from mme.runner.cli import train as command


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="tools/train.py", description=command.__doc__)
    command.add_arguments(parser)
    return command.run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
