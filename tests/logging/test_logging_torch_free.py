"""mme.logging imports and works without torch (LOG-07, LOG-13, LOG-01)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

SCRIPT = textwrap.dedent(
    """
    import sys
    import mme.logging
    from mme.logging import MessageHub, HistoryBuffer, MMLogger, print_log
    assert 'torch' not in sys.modules, 'importing mme.logging imported torch'
    hub = MessageHub.get_instance('no-torch')
    hub.update_scalars({'train/loss': 0.5, 'train/lr': {'value': 0.1, 'count': 1}})
    assert hub.get_scalar('train/loss').mean() == 0.5
    state = hub.state_dict()
    logger = MMLogger.get_instance('no-torch', log_level='INFO')
    print_log('ready', logger='current')
    buffer = HistoryBuffer([1, 2, 3], [1, 1, 1])
    assert buffer.statistics('mean', 2) == 2.5
    assert 'torch' not in sys.modules, 'using mme.logging imported torch'
    print('ok')
    """
)


@pytest.mark.spec("LOG-01", "LOG-07", "LOG-13")
def test_import_and_use_without_torch() -> None:
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "ok"
    assert " - no-torch - INFO - ready" in result.stdout
