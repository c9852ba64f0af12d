"""Data elements: the containers of annotations and predictions (``mmengine.structures``).

``BaseDataElement`` holds metainfo and data fields; ``InstanceData`` per-instance fields of one
length, ``PixelData`` per-pixel maps of one size, ``LabelData`` sample-level labels.
"""

from mme.runner.structures.base_data_element import BaseDataElement
from mme.runner.structures.instance_data import InstanceData
from mme.runner.structures.label_data import LabelData
from mme.runner.structures.pixel_data import PixelData

__all__ = ["BaseDataElement", "InstanceData", "LabelData", "PixelData"]
