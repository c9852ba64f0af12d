"""Datasets, dataset wrappers, samplers, transforms and collate functions.

Importing the package registers its samplers in ``DATA_SAMPLERS``, its collate functions
in ``FUNCTIONS`` and its dataset wrappers in ``DATASETS``; the root registries list
``mme.dataset`` as a location, so building them by name imports it.
"""

from mme.dataset.base_dataset import BaseDataset, Compose, force_full_init
from mme.dataset.collate import COLLATE_FUNCTIONS, default_collate, pseudo_collate
from mme.dataset.dataset_wrapper import ClassBalancedDataset, ConcatDataset, RepeatDataset
from mme.dataset.sampler import DefaultSampler, InfiniteSampler
from mme.dataset.seeding import worker_init_fn

__version__ = "0.1.0"

__all__ = [
    "COLLATE_FUNCTIONS",
    "BaseDataset",
    "ClassBalancedDataset",
    "Compose",
    "ConcatDataset",
    "DefaultSampler",
    "InfiniteSampler",
    "RepeatDataset",
    "default_collate",
    "force_full_init",
    "pseudo_collate",
    "worker_init_fn",
]
