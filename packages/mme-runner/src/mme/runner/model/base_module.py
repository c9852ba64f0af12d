"""BaseModule: an ``nn.Module`` whose weights are initialised from its ``init_cfg``."""

from __future__ import annotations

import copy
import logging
from collections.abc import Iterable
from typing import Any

from torch import nn

from mme.runner.model.weight_init import InitRecord, initialize, update_init_info
from mme.runner.model.wrappers import is_model_wrapper

_logger = logging.getLogger("mme.runner.model")


def _is_pretrained(cfg: dict[str, Any]) -> bool:
    from mme.runner.model.weight_init import PretrainedInit

    return cfg.get("type") in ("Pretrained", "PretrainedInit", PretrainedInit)


class BaseModule(nn.Module):
    """An ``nn.Module`` initialised by ``init_weights()`` from ``init_cfg``.

    ``init_weights()`` of the top-level module applies its ``init_cfg`` (except
    ``Pretrained``), then calls ``init_weights()`` of each child that has one (children's own
    ``init_cfg``), then loads the ``Pretrained`` entries, so that pretrained weights win.
    Afterwards `init_summary` maps each parameter name to what initialised it; it is
    also logged at DEBUG level on the ``mme.runner.model`` logger.

    Args:
        init_cfg: a dict or list of dicts, see `mme.runner.model.initialize`.

    Examples:
        >>> class Net(BaseModule):
        ...     def __init__(self):
        ...         super().__init__(init_cfg=dict(type='Constant', layer='Linear', val=0))
        ...         self.fc = nn.Linear(2, 2)
        >>> net = Net()
        >>> net.init_weights()
        >>> net.init_summary['fc.weight']
        'ConstantInit: val=0, bias=0'
    """

    def __init__(self, init_cfg: dict[str, Any] | list[dict[str, Any]] | None = None) -> None:
        super().__init__()
        self._is_init = False
        self.init_cfg = copy.deepcopy(init_cfg)
        #: After ``init_weights()`` of a top-level module: parameter name -> what set it.
        self.init_summary: dict[str, str] = {}

    @property
    def is_init(self) -> bool:
        """Whether ``init_weights()`` has run."""
        return self._is_init

    @is_init.setter
    def is_init(self, value: bool) -> None:
        self._is_init = value

    def init_weights(self) -> None:
        """Initialise the weights from ``init_cfg`` and the children's ``init_weights()``."""
        record = getattr(self, "_params_init_info", None)
        top_level = record is None
        if top_level:
            record = InitRecord(self)
            for module in self.modules():
                object.__setattr__(module, "_params_init_info", record)
        try:
            self._init_own_weights()
        finally:
            if top_level:
                for module in self.modules():
                    if "_params_init_info" in module.__dict__:
                        object.__delattr__(module, "_params_init_info")
        if top_level and record is not None:
            self.init_summary = dict(record.info)
            if _logger.isEnabledFor(logging.DEBUG):
                for name, param in self.named_parameters():
                    _logger.debug(
                        "%s - %s: %s", name, tuple(param.shape), record.info.get(name, "")
                    )

    def _init_own_weights(self) -> None:
        name = type(self).__name__
        if self._is_init:
            _logger.warning("init_weights of %s has been called more than once.", name)
            return
        cfgs: list[dict[str, Any]] = []
        if self.init_cfg:
            cfgs = list(self.init_cfg) if isinstance(self.init_cfg, list) else [self.init_cfg]
            for cfg in cfgs:
                if not isinstance(cfg, dict):
                    raise TypeError(
                        f"init_cfg of {name} must be a dict or a list of dicts, got {cfg!r}"
                    )
            _logger.debug("initialize %s with init_cfg %s", name, self.init_cfg)
        pretrained = [cfg for cfg in cfgs if _is_pretrained(cfg)]
        others = [cfg for cfg in cfgs if not _is_pretrained(cfg)]
        if others:
            initialize(self, others)
        for module in self.children():
            child: Any = module
            if is_model_wrapper(child) and not hasattr(child, "init_weights"):
                child = child.module
            if hasattr(child, "init_weights") and not getattr(child, "is_init", False):
                child.init_weights()
                update_init_info(child, f"the init_weights of {type(child).__name__}")
        if pretrained:
            initialize(self, pretrained)
        self._is_init = True

    def __repr__(self) -> str:
        text = super().__repr__()
        if self.init_cfg:
            text += f"\ninit_cfg={self.init_cfg}"
        return text


class Sequential(BaseModule, nn.Sequential):
    """``nn.Sequential`` with an ``init_cfg``: ``Sequential(*modules, init_cfg=None)``."""

    def __init__(
        self, *args: nn.Module, init_cfg: dict[str, Any] | list[dict[str, Any]] | None = None
    ) -> None:
        BaseModule.__init__(self, init_cfg)
        nn.Sequential.__init__(self, *args)


class ModuleList(BaseModule, nn.ModuleList):
    """``nn.ModuleList`` with an ``init_cfg``."""

    def __init__(
        self,
        modules: Iterable[nn.Module] | None = None,
        init_cfg: dict[str, Any] | list[dict[str, Any]] | None = None,
    ) -> None:
        BaseModule.__init__(self, init_cfg)
        nn.ModuleList.__init__(self, modules)


class ModuleDict(BaseModule, nn.ModuleDict):
    """``nn.ModuleDict`` with an ``init_cfg``."""

    def __init__(
        self,
        modules: dict[str, nn.Module] | None = None,
        init_cfg: dict[str, Any] | list[dict[str, Any]] | None = None,
    ) -> None:
        BaseModule.__init__(self, init_cfg)
        nn.ModuleDict.__init__(self, modules)
