"""What ``Visualizer.add_datasample`` draws from a data sample: boxes and labels."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from mme.runner.visualization.drawing import as_image, to_numpy, to_rgb

if TYPE_CHECKING:
    from mme.runner.visualization.visualizer import Visualizer

GT_COLOR = (0, 200, 0)
PRED_COLOR = (220, 20, 60)


def _field(sample: Any, name: str) -> Any:
    if sample is None:
        return None
    if isinstance(sample, dict):
        return sample.get(name)
    return getattr(sample, name, None)


def _class_name(vis: Visualizer, label: Any) -> str:
    index = int(to_numpy(label, "label").reshape(-1)[0])
    classes = (vis.dataset_meta or {}).get("classes")
    if classes is not None and 0 <= index < len(classes):
        return str(classes[index])
    return str(index)


def draw_datasample(
    vis: Visualizer, image: Any, data_sample: Any, draw_gt: bool, draw_pred: bool
) -> np.ndarray:
    """``image`` with the ground truth (green) and the prediction (red) of ``data_sample``.

    Args:
        vis: The visualizer to draw with (its canvas is replaced by ``image``).
        image: HxWx3 RGB image.
        data_sample: A data element or dict with ``gt_instances`` / ``pred_instances``
            (``bboxes``, optional ``labels`` and ``scores``) and ``gt_label`` / ``pred_label``
            (``label``, optional ``score``); missing fields are skipped.
        draw_gt: Draw the ground truth.
        draw_pred: Draw the prediction.
    """
    vis.set_image(as_image(image))
    lines: list[tuple[str, tuple[int, int, int]]] = []
    for prefix, wanted, color in (("gt", draw_gt, GT_COLOR), ("pred", draw_pred, PRED_COLOR)):
        if not wanted:
            continue
        instances = _field(data_sample, f"{prefix}_instances")
        bboxes = _field(instances, "bboxes")
        if bboxes is not None and len(bboxes):
            vis.draw_bboxes(bboxes, edge_colors=color, alpha=1.0)
            labels = _field(instances, "labels")
            scores = _field(instances, "scores")
            if labels is not None:
                boxes = to_numpy(bboxes, "bboxes").reshape(-1, 4)
                texts = []
                for i, label in enumerate(to_numpy(labels, "labels").reshape(-1)):
                    text = _class_name(vis, label)
                    if scores is not None:
                        text += f" {float(to_numpy(scores, 'scores').reshape(-1)[i]):.2f}"
                    texts.append(text)
                vis.draw_texts(
                    texts,
                    boxes[:, :2],
                    colors="white",
                    vertical_alignments="bottom",
                    bboxes=dict(
                        facecolor=to_rgb(color, "color"), alpha=0.8, pad=1, edgecolor="none"
                    ),
                )
        label_data = _field(data_sample, f"{prefix}_label")
        label = _field(label_data, "label")
        if label is not None:
            text = f"{prefix}: {_class_name(vis, label)}"
            score = _field(label_data, "score")
            if score is not None:
                values = to_numpy(score, "score").reshape(-1)
                index = int(to_numpy(label, "label").reshape(-1)[0])
                value = values[index] if len(values) > index else values.max()
                text += f" ({float(value):.2f})"
            lines.append((text, color))
    for row, (text, color) in enumerate(lines):
        size = max(8, min(vis.height, vis.width) // 12)
        vis.draw_texts(
            text,
            np.array([2, 2 + row * size * 1.3]),
            font_sizes=size,
            colors=color,
            bboxes=dict(facecolor="black", alpha=0.6, pad=1, edgecolor="none"),
        )
    return vis.get_image()
