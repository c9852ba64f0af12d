"""``mme train`` and ``mme test``: the command-line entry points of the Runner."""
