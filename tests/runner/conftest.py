"""The runner tests train small models: one intra-op thread is faster than two on a busy
machine (the CI machine has two cores shared by everything else)."""

import torch

torch.set_num_threads(1)
