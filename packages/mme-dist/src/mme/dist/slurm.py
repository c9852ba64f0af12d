"""Slurm's compressed lists: `SLURM_NODELIST` (`gpu[01-03,07]`) and `SLURM_TASKS_PER_NODE`."""

from __future__ import annotations

import itertools
import re

from mme.dist.errors import LaunchError


def expand_nodelist(nodelist: str) -> list[str]:
    """Expand a Slurm node list such as ``'gpu[01-03,07],cpu5'`` into host names, in order."""
    hosts: list[str] = []
    for entry in _split_top_level(nodelist):
        pieces = re.split(r"(\[[^\[\]]*\])", entry)
        if any(ch in piece for piece in pieces[::2] for ch in "[]"):
            raise LaunchError(f"SLURM_NODELIST={nodelist!r} has unbalanced brackets.")
        options = [
            _expand_ranges(piece[1:-1], nodelist) if piece.startswith("[") else [piece]
            for piece in pieces
            if piece
        ]
        hosts.extend("".join(combo) for combo in itertools.product(*options))
    if not hosts:
        raise LaunchError(f"SLURM_NODELIST={nodelist!r} names no host.")
    return hosts


def _split_top_level(nodelist: str) -> list[str]:
    entries, depth, start = [], 0, 0
    for index, char in enumerate(nodelist):
        depth += {"[": 1, "]": -1}.get(char, 0)
        if char == "," and depth == 0:
            entries.append(nodelist[start:index])
            start = index + 1
    entries.append(nodelist[start:])
    return [entry.strip() for entry in entries if entry.strip()]


def _expand_ranges(spec: str, nodelist: str) -> list[str]:
    names: list[str] = []
    for item in spec.split(","):
        match = re.fullmatch(r"\s*(\d+)(?:-(\d+))?\s*", item)
        if match is None:
            raise LaunchError(f"SLURM_NODELIST={nodelist!r}: {item!r} is not a number or range.")
        first, last = match.group(1), match.group(2) or match.group(1)
        if int(last) < int(first):
            raise LaunchError(f"SLURM_NODELIST={nodelist!r}: range {item!r} runs backwards.")
        names.extend(str(n).zfill(len(first)) for n in range(int(first), int(last) + 1))
    return names


def expand_tasks_per_node(value: str) -> list[int]:
    """Expand Slurm's ``SLURM_TASKS_PER_NODE`` (``'8(x2),4'``) into one count per node."""
    counts: list[int] = []
    for item in value.split(","):
        match = re.fullmatch(r"\s*(\d+)(?:\(x(\d+)\))?\s*", item)
        if match is None:
            raise LaunchError(f"SLURM_TASKS_PER_NODE={value!r}: {item!r} is not 'N' or 'N(xM)'.")
        counts.extend([int(match.group(1))] * int(match.group(2) or 1))
    return counts
