# Generated from tools/vendored/suggest.py by tools/vendor_suggest.py: do not edit.
# Edit the source and run `python tools/vendor_suggest.py`.
"""One "did you mean" hint and one way to name a class or function, for every mme package.

The lower packages may not import one another (mme-config, mme-fileio and mme-logging
import no other mme package, and mme-registry does not import mme-config), so this
module is the single source that `tools/vendor_suggest.py` copies into each package as
`mme/<package>/_suggest.py`. Edit it here, then run `python tools/vendor_suggest.py`;
a test fails while any copy differs from this file.

Every message uses the same form: the sentence before the hint ends with a period and
the hint follows it, `"... no key 'optimzer'. Did you mean 'optimizer'?"`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


def close_matches(
    word: object, candidates: Iterable[object], n: int = 3, cutoff: float = 0.6
) -> list[str]:
    """The candidates closest to `word`, best first; differences of case count little.

    `'sgd'` finds `'SGD'` and `'momentun'` finds `'momentum'`.

    Args:
        word: What the user wrote.
        candidates: What exists at that place (converted with `str`).
        n: At most this many matches.
        cutoff: How similar (0 to 1) a candidate must be.
    """
    import difflib  # only when a hint is computed: keeps importing the packages fast

    by_lower: dict[str, list[str]] = {}
    for name in dict.fromkeys(str(c) for c in candidates):
        by_lower.setdefault(name.lower(), []).append(name)
    found: list[str] = []
    for lowered in difflib.get_close_matches(str(word).lower(), list(by_lower), n, cutoff):
        found.extend(by_lower[lowered])
    return found[:n]


def did_you_mean(
    word: object, candidates: Iterable[object], n: int = 3, cutoff: float = 0.6
) -> str:
    """`" Did you mean 'a'?"` (or `'a', 'b' or 'c'`) for the closest candidates, or `""`.

    The hint starts with a space: append it to a sentence that ends with a period.
    """
    quoted = [repr(m) for m in close_matches(word, candidates, n, cutoff)]
    if not quoted:
        return ""
    if len(quoted) == 1:
        return f" Did you mean {quoted[0]}?"
    return f" Did you mean {', '.join(quoted[:-1])} or {quoted[-1]}?"


def known(candidates: Iterable[object]) -> str:
    """The valid names as a sorted, quoted list for a message, or `(none)`."""
    names = sorted(str(c) for c in candidates)
    return ", ".join(repr(n) for n in names) if names else "(none)"


def qualified_name(obj: Any) -> str:
    """`module.QualName` of a class or function, else its `repr`."""
    module = getattr(obj, "__module__", None)
    qualname = getattr(obj, "__qualname__", None) or getattr(obj, "__name__", None)
    if isinstance(module, str) and isinstance(qualname, str):
        return f"{module}.{qualname}"
    return repr(obj)
