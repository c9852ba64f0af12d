"""The ``mme`` command line.

``mme --version`` lists the installed mme distributions. Subcommands live in the
distribution that owns them and are imported only when called, so ``mme`` starts
fast and a subcommand whose distribution is missing says which extra installs it.
"""

from mme.cli.main import main

__version__ = "0.1.0"

__all__ = ["__version__", "main"]
