"""One rank of a multi-process test: ``dist_worker_main.py SCENARIO LAUNCHER TIMEOUT OUT``.

SCENARIO is a function of dist_scenarios.py, or ``path/to/file.py::function`` (or
``path/to/file.py:function``) for the scenarios of another package's tests.

Starts the process group with ``mme.dist.init_dist(LAUNCHER, backend='gloo')`` from the
launcher variables the harness set, runs ``SCENARIO`` of dist_scenarios.py and pickles its
return value to OUT. A failure prints the traceback to stderr and exits with status 1.
"""

from __future__ import annotations

import importlib.util
import os
import pickle
import sys
import traceback
from pathlib import Path


def main() -> None:
    scenario, launcher, timeout, out = sys.argv[1:5]
    source = Path(__file__).with_name("dist_scenarios.py")
    # FILE.py::FUNCTION (tests/runner) or FILE.py:FUNCTION (tests/optim) for other test folders
    separator = "::" if "::" in scenario else ":" if ":" in scenario else None
    if separator is not None:
        path, scenario = scenario.rsplit(separator, 1)
        source = Path(path)
    spec = importlib.util.spec_from_file_location(source.stem, source)
    assert spec is not None
    assert spec.loader is not None
    scenarios = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(scenarios)
    try:
        from mme.dist import barrier, init_dist

        init_dist(launcher, backend="gloo", timeout=float(timeout))
        function = getattr(scenarios, scenario)
        value = function()
        Path(out).write_bytes(pickle.dumps(value))
        if getattr(function, "final_barrier", True):
            # rank 0 hosts the rendezvous store: it must not exit while a peer still uses it
            barrier()
    except BaseException:
        traceback.print_exc()
        sys.stderr.flush()
        os._exit(1)
    sys.stdout.flush()
    sys.stderr.flush()
    # Skip interpreter teardown: a peer may already be gone, and destructors of a broken
    # process group can block.
    os._exit(0)


if __name__ == "__main__":
    main()
