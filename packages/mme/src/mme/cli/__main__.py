"""``python -m mme.cli`` runs the ``mme`` command."""

import sys

from mme.cli.main import main

sys.exit(main())
