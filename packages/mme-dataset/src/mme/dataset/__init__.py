"""Datasets, dataset wrappers, samplers, transforms and collate functions.

Importing the package registers its samplers in ``DATA_SAMPLERS``, its collate functions
in ``FUNCTIONS`` and its dataset wrappers in ``DATASETS``; the root registries list
``mme.dataset`` as a location, so building them by name imports it.
"""

from mme.dataset.collate import COLLATE_FUNCTIONS, default_collate, pseudo_collate
from mme.dataset.sampler import DefaultSampler, InfiniteSampler
from mme.dataset.seeding import worker_init_fn

__version__ = "0.1.0"

__all__ = [
    "COLLATE_FUNCTIONS",
    "DefaultSampler",
    "InfiniteSampler",
    "default_collate",
    "pseudo_collate",
    "worker_init_fn",
]
