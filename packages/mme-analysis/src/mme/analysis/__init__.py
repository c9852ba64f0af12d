"""Model complexity analysis: FLOPs, activations and parameter counts.

`get_model_complexity_info(model, input_shape=(3, 224, 224))` runs the model once and
counts, at the PyTorch dispatcher, every operator it executes, with fvcore's conventions
(one multiply-accumulate is one FLOP; activations are the outputs of convolutions and
matrix products). `FlopAnalyzer` and `ActivationAnalyzer` give the per-module and
per-operator counts; `mme.analysis.handles` holds the operator rules.
"""

from mme.analysis.analyzer import (
    ActivationAnalyzer,
    FlopAnalyzer,
    ModelAnalysis,
    analyze_together,
)
from mme.analysis.complexity import (
    activation_count,
    complexity_stats_rows,
    complexity_stats_str,
    complexity_stats_table,
    example_inputs,
    flop_count,
    get_model_complexity_info,
)
from mme.analysis.formatting import format_size
from mme.analysis.handles import Handle
from mme.analysis.parameters import parameter_count, parameter_count_table

__version__ = "0.1.0"

__all__ = [
    "ActivationAnalyzer",
    "FlopAnalyzer",
    "Handle",
    "ModelAnalysis",
    "activation_count",
    "analyze_together",
    "complexity_stats_rows",
    "complexity_stats_str",
    "complexity_stats_table",
    "example_inputs",
    "flop_count",
    "format_size",
    "get_model_complexity_info",
    "parameter_count",
    "parameter_count_table",
]
