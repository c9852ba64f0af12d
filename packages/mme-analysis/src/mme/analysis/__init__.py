"""Model complexity analysis: FLOPs, activations and parameter counts."""

__version__ = "0.1.0"
