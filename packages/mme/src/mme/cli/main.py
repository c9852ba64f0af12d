"""Entry point of the ``mme`` command."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from mme.cli._suggest import did_you_mean
from mme.cli.commands import COMMANDS, CommandUnavailable, find, load
from mme.cli.versions import installed_versions


def _version_text() -> str:
    versions = installed_versions()
    width = max(len(name) for name in versions) if versions else 0
    return "\n".join(f"{name:<{width}}  {version}" for name, version in versions.items())


def _top_parser() -> argparse.ArgumentParser:
    listing = "\n".join(f"  {c.name:<12} {c.help}" for c in COMMANDS)
    parser = argparse.ArgumentParser(
        prog="mme",
        description="mme, a light PyTorch training engine.",
        epilog=f"commands:\n{listing}\n\nRun 'mme COMMAND --help' for a command's options.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--version",
        action="store_true",
        help="list the installed mme distributions and their versions, then exit",
    )
    parser.add_argument("command", nargs="?", metavar="COMMAND", help="the command to run")
    parser.add_argument("args", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``mme`` command with ``argv`` (default: ``sys.argv[1:]``).

    When the reader of the output goes away early (``mme --version | head -1``), the
    command stops quietly instead of printing a BrokenPipeError traceback.
    """
    try:
        code = _run(argv)
        sys.stdout.flush()  # inside the try: a closed pipe shows here, not at exit
    except BrokenPipeError:
        # Python would try to flush stdout again at exit: point it at /dev/null first.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    return code


def _run(argv: Sequence[str] | None) -> int:
    parser = _top_parser()
    options = parser.parse_args(sys.argv[1:] if argv is None else list(argv))
    if options.version:
        print(_version_text())
        return 0
    if options.command is None:
        parser.print_help()
        return 0
    command = find(options.command)
    if command is None:
        names = [c.name for c in COMMANDS]
        hint = did_you_mean(options.command, names, n=1)
        parser.exit(
            2, f"mme: unknown command '{options.command}'.{hint} Commands: {', '.join(names)}\n"
        )
    try:
        module = load(command)
    except CommandUnavailable as error:
        parser.exit(2, f"mme: {error}\n")
    sub = argparse.ArgumentParser(prog=f"mme {command.name}", description=command.help)
    module.add_arguments(sub)
    return module.run(sub.parse_args(options.args))
