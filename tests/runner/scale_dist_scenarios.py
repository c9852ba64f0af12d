"""Two-rank scenarios of issue 18 (DDP options, separate DDP, FSDP2), run in one launch by
test_scale_distributed.py through tests/dist's harness (gloo on 127.0.0.1, CPU)."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import torch
from torch import nn
from torch.utils.data import DataLoader

sys.path.insert(0, str(Path(__file__).parent))

from runner_toys import collate, points

from mme.dist import get_rank
from mme.runner import Runner
from mme.runner.model import BaseModel


class ToyModel(BaseModel):
    """The spec's EX-07 model."""

    def __init__(self) -> None:
        super().__init__()
        self.linear = nn.Linear(1, 1)

    def forward(self, img: torch.Tensor, label: torch.Tensor, mode: str) -> Any:
        feat = self.linear(img)
        loss1 = (feat - label).pow(2)
        loss2 = (feat - label).abs()
        return dict(loss1=loss1, loss2=loss2)


class WithUnused(BaseModel):
    """A classifier with a layer the loss never uses (needs find_unused_parameters)."""

    def __init__(self) -> None:
        super().__init__()
        torch.manual_seed(0)
        self.net = nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Linear(8, 2))
        self.unused = nn.Linear(2, 2)
        self.register_buffer("seen", torch.zeros(()))

    def forward(self, inputs: torch.Tensor, labels: torch.Tensor, mode: str = "tensor") -> Any:
        self.seen += 1 + get_rank()  # differs per rank: broadcast_buffers makes it rank 0's
        logits = self.net(inputs)
        if mode == "loss":
            return dict(loss=nn.functional.cross_entropy(logits, labels))
        return logits


class TwoNets(BaseModel):
    """A GAN-shaped model: two trainable children, one frozen, two optimizers."""

    def __init__(self) -> None:
        super().__init__()
        torch.manual_seed(0)
        self.generator = nn.Linear(2, 2)
        self.discriminator = nn.Linear(2, 1)
        self.frozen = nn.Linear(2, 2).requires_grad_(False)

    def train_step(self, data: Any, optim_wrapper: Any) -> dict[str, torch.Tensor]:
        inputs, _ = self.data_preprocessor(data, True)
        fake = self.generator(self.frozen(inputs))
        with optim_wrapper["discriminator"].optim_context(self.discriminator):
            d_loss = self.discriminator(fake.detach()).mean()
        optim_wrapper["discriminator"].update_params(d_loss)
        with optim_wrapper["generator"].optim_context(self.generator):
            g_loss = -self.discriminator(fake).mean()
        optim_wrapper["generator"].update_params(g_loss)
        return dict(loss=(d_loss + g_loss).detach())

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        return self.generator(args[0])


def _tmp() -> Path:
    return Path(os.environ["MME_TEST_TMP"])


def _weights(model: nn.Module) -> list[list[float]]:
    return [p.detach().flatten().tolist() for p in model.parameters()]


def _ddp_options() -> dict[str, Any]:
    rank = get_rank()
    runner = Runner(
        model=WithUnused(),
        work_dir=str(_tmp() / "ddp"),
        train_dataloader=DataLoader(points(16, seed=rank), batch_size=4, collate_fn=collate),
        train_cfg=dict(by_epoch=True, max_epochs=1),
        optim_wrapper=dict(optimizer=dict(type="SGD", lr=0.1)),
        launcher="pytorch",
        env_cfg=dict(dist_cfg=dict(backend="gloo")),
        default_hooks=dict(checkpoint=None),
        cfg=dict(
            model_wrapper_cfg=dict(
                type="MMDistributedDataParallel",
                find_unused_parameters=True,
                broadcast_buffers=True,
                bucket_cap_mb=1,
            )
        ),
    )
    runner.train()
    ddp = runner.model
    static = Runner(
        model=WithUnused(),
        work_dir=str(_tmp() / "static"),
        train_dataloader=DataLoader(points(8, seed=rank), batch_size=4, collate_fn=collate),
        train_cfg=dict(by_epoch=True, max_epochs=1),
        optim_wrapper=dict(optimizer=dict(type="SGD", lr=0.1)),
        launcher="pytorch",
        env_cfg=dict(dist_cfg=dict(backend="gloo")),
        default_hooks=dict(checkpoint=None),
        cfg=dict(model_wrapper_cfg=dict(static_graph=True, find_unused_parameters=True)),
    )
    static.train()
    return dict(
        find_unused=ddp.find_unused_parameters,
        broadcast_buffers=ddp.broadcast_buffers,
        bucket_bytes_cap=ddp.bucket_bytes_cap,
        seen=float(ddp.module.seen),
        weights=_weights(ddp.module.net),
        static_graph=bool(static.model.static_graph),
        static_weights=_weights(static.model.module.net),
    )


def _separate() -> dict[str, Any]:
    from mme.runner.model import MMDistributedDataParallel

    rank = get_rank()
    runner = Runner(
        model=TwoNets(),
        work_dir=str(_tmp() / "gan"),
        train_dataloader=DataLoader(points(8, seed=rank), batch_size=4, collate_fn=collate),
        train_cfg=dict(by_epoch=True, max_epochs=1),
        optim_wrapper=dict(
            generator=dict(optimizer=dict(type="SGD", lr=0.1)),
            discriminator=dict(optimizer=dict(type="SGD", lr=0.1)),
        ),
        launcher="pytorch",
        env_cfg=dict(dist_cfg=dict(backend="gloo")),
        default_hooks=dict(checkpoint=None),
        cfg=dict(model_wrapper_cfg=dict(type="MMSeparateDistributedDataParallel")),
    )
    runner.train()
    model = runner.model.module
    return dict(
        kinds={name: type(child).__name__ for name, child in model.named_children()},
        generator_is_ddp=isinstance(model.generator, MMDistributedDataParallel),
        weights=_weights(model.generator) + _weights(model.discriminator),
    )


def _fsdp_runner() -> dict[str, Any]:
    """EX-07 as written in the spec, on two ranks, with cpu_offload."""
    train_dataset = [(torch.ones(1, 1), torch.ones(1, 1))] * 50
    train_dataloader = DataLoader(train_dataset, batch_size=2)
    torch.manual_seed(0)
    runner = Runner(
        model=ToyModel(),
        work_dir=str(_tmp() / "fsdp"),
        train_dataloader=train_dataloader,
        train_cfg=dict(by_epoch=True, max_epochs=1),
        optim_wrapper=dict(optimizer=dict(type="SGD", lr=0.01)),
        launcher="pytorch",
        env_cfg=dict(dist_cfg=dict(backend="gloo")),
        cfg=dict(model_wrapper_cfg=dict(type="MMFullyShardedDataParallel", cpu_offload=True)),
    )
    runner.train()
    from torch.distributed.tensor import DTensor

    momentum = {}
    for name, epochs, resume in (
        ("straight", 2, False),
        ("resumed", 1, False),
        ("resumed", 2, True),
    ):
        torch.manual_seed(0)
        run = Runner(
            model=ToyModel(),
            work_dir=str(_tmp() / f"fsdp_{name}"),
            train_dataloader=DataLoader(train_dataset[:10], batch_size=2),
            train_cfg=dict(by_epoch=True, max_epochs=epochs),
            optim_wrapper=dict(optimizer=dict(type="SGD", lr=0.01, momentum=0.9)),
            launcher="pytorch",
            env_cfg=dict(dist_cfg=dict(backend="gloo")),
            resume=resume,
            default_hooks=dict(logger=dict(interval=100)),
            cfg=dict(model_wrapper_cfg=dict(type="MMFullyShardedDataParallel")),
        )
        run.train()
        momentum[name] = {k: v.tolist() for k, v in run.model.full_state_dict().items()}
    saved_optimizer = torch.load(_tmp() / "fsdp_straight" / "epoch_2.pth", weights_only=True)
    momentum["buffer"] = sorted(
        tuple(v["momentum_buffer"].shape) for v in saved_optimizer["optimizer"]["state"].values()
    )
    param = next(runner.model.module.parameters())
    full = runner.model.full_state_dict()
    saved = torch.load(_tmp() / "fsdp" / "epoch_1.pth", weights_only=True)
    return dict(
        wrapper=type(runner.model).__name__,
        sharded=isinstance(param, DTensor),
        local_numel=param.to_local().numel(),
        full={k: v.tolist() for k, v in full.items()},
        checkpoint={k: v.tolist() for k, v in saved["state_dict"].items()},
        loss=float(runner.message_hub.get_scalar("train/loss").current()),
        momentum=momentum,
    )


class Wide(BaseModel):
    def __init__(self) -> None:
        super().__init__()
        torch.manual_seed(0)
        self.body = nn.Sequential(nn.Linear(4, 6), nn.ReLU(), nn.Linear(6, 3))

    def forward(self, inputs: torch.Tensor, mode: str = "loss") -> Any:
        return dict(loss=self.body(inputs).pow(2).mean())


def _fsdp_sharded_checkpoint() -> dict[str, Any]:
    """Adam state sharded over two ranks: save, resume exactly, read on one process."""
    import torch.distributed as dist

    from mme.optim import OptimWrapper
    from mme.runner.model import MMFullyShardedDataParallel

    rank = get_rank()

    def build() -> tuple[Any, Any]:
        model = MMFullyShardedDataParallel(Wide(), auto_wrap_policy=["Linear"])
        wrapper = OptimWrapper(torch.optim.Adam(model.parameters(), lr=0.05))
        return model, wrapper

    def steps(model: Any, wrapper: Any, start: int, count: int) -> None:
        for step in range(start, start + count):
            g = torch.Generator().manual_seed(100 * step + rank)
            model.train_step(dict(inputs=torch.randn(3, 4, generator=g)), wrapper)

    model, wrapper = build()
    steps(model, wrapper, 0, 3)
    folder = str(_tmp() / "sharded")
    model.save_sharded(folder, wrapper.optimizer)
    steps(model, wrapper, 3, 2)
    straight = model.full_state_dict()
    full_optim = model.full_optim_state_dict(wrapper.optimizer)

    again, again_wrapper = build()
    again.load_sharded(folder, again_wrapper.optimizer)
    steps(again, again_wrapper, 3, 2)
    resumed = again.full_state_dict()

    one_process: dict[str, Any] = {}
    if rank == 0:
        from torch.distributed.checkpoint.format_utils import dcp_to_torch_save

        dcp_to_torch_save(folder, str(_tmp() / "single.pth"))
        single = torch.load(_tmp() / "single.pth", weights_only=False)
        plain = Wide()
        plain.load_state_dict(single["model"])
        one_process = {k: v.tolist() for k, v in plain.state_dict().items()}
        one_process["adam_steps"] = sorted(
            float(s["step"]) for s in single["optimizer"]["state"].values()
        )
    saved_three = None
    # the full export of step 3 (recomputed from the sharded files on every rank)
    third, third_wrapper = build()
    third.load_sharded(folder, third_wrapper.optimizer)
    saved_three = {k: v.tolist() for k, v in third.full_state_dict().items()}
    half = MMFullyShardedDataParallel(
        Wide(), mixed_precision=dict(param_dtype="bfloat16", reduce_dtype="float32")
    )
    seen: list[torch.dtype] = []
    half.module.body[0].register_forward_hook(lambda m, i, o: seen.append(o.dtype))
    half.train_step(
        dict(inputs=torch.randn(3, 4)), OptimWrapper(torch.optim.SGD(half.parameters(), lr=0.1))
    )
    dist.barrier()
    return dict(
        mixed_precision=dict(
            activation=str(seen[0]), param=str(next(half.module.parameters()).dtype)
        ),
        straight={k: v.tolist() for k, v in straight.items()},
        resumed={k: v.tolist() for k, v in resumed.items()},
        optim_keys=sorted(full_optim.get("state", {})),
        one_process=one_process,
        saved_three=saved_three,
        units=sum(1 for m in model.module.modules() if type(m).__name__.startswith("FSDP")),
    )


def scale() -> dict[str, Any]:
    """Every scenario of the issue, in one launch."""
    return dict(
        ddp=_ddp_options(),
        separate=_separate(),
        fsdp=_fsdp_runner(),
        sharded=_fsdp_sharded_checkpoint(),
    )
