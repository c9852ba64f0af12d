"""The Visualizer's drawing API (VIS-01): pixels at known positions carry the drawn colours."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from mme.runner.visualization import Visualizer

pytestmark = pytest.mark.spec("VIS-01")

RED, GREEN, BLUE, BLACK = [255, 0, 0], [0, 127, 0], [0, 0, 255], [0, 0, 0]


def canvas(h: int = 100, w: int = 120) -> Visualizer:
    return Visualizer(image=np.zeros((h, w, 3), dtype=np.uint8))


def test_a_box_edge_has_its_colour_and_the_inside_does_not() -> None:
    vis = canvas()
    # the docs' call: one xyxy box as a tensor; line width 2 px centred on the edge
    vis.draw_bboxes(torch.tensor([10, 20, 60, 70]), edge_colors="red", alpha=1.0)
    img = vis.get_image()
    assert img.shape == (100, 120, 3)
    assert img.dtype == np.uint8
    for y, x in [(40, 9), (40, 10), (40, 59), (40, 60), (19, 30), (20, 30), (69, 30), (70, 30)]:
        assert img[y, x].tolist() == RED, (y, x)
    for y, x in [(40, 12), (45, 35), (40, 7), (72, 30), (5, 5)]:
        assert img[y, x].tolist() == BLACK, (y, x)


def test_several_boxes_numpy_rgb_tuples_and_default_alpha() -> None:
    vis = canvas()
    vis.draw_bboxes(
        np.array([[10, 10, 30, 30], [50, 50, 90, 80]]), edge_colors=[(0, 0, 255), (255, 0, 0)]
    )
    img = vis.get_image()
    # default alpha 0.8 over black: 0.8 * 255 (Agg rounds down)
    assert img[20, 10].tolist() == [0, 0, 203]
    assert img[60, 90].tolist() == [203, 0, 0]
    assert img[60, 70].tolist() == BLACK


def test_overlaying_keeps_earlier_drawings_and_set_image_clears_them() -> None:
    vis = canvas()
    vis.draw_bboxes(torch.tensor([10, 20, 60, 70]), edge_colors="red", alpha=1.0)
    vis.draw_circles(torch.tensor([90, 40]), torch.tensor(10), edge_colors="blue", alpha=1.0)
    mask = np.zeros((100, 120), dtype=bool)
    mask[80:90, 100:110] = True
    vis.draw_binary_masks(mask, colors=(0, 0, 255), alphas=1.0)
    vis.draw_points(torch.tensor([[40.0, 45.0]]), colors="yellow", sizes=torch.tensor([6.0]))
    vis.draw_lines(np.array([0, 119]), np.array([95, 95]), colors=(255, 0, 255))
    vis.draw_polygons(torch.tensor([[70, 5], [110, 5], [90, 15]]), edge_colors="g", alpha=1.0)
    img = vis.get_image()
    assert img[40, 10].tolist() == RED  # the box is still there
    assert img[40, 80].tolist() == BLUE
    assert img[40, 90].tolist() == BLACK
    assert img[85, 105].tolist() == BLUE
    assert img[85, 95].tolist() == BLACK
    assert img[45, 40].tolist() == [255, 255, 0]  # the point
    assert img[95, 5].tolist() == [255, 0, 255]
    assert img[92, 5].tolist() == BLACK
    assert img[5, 90].tolist() == GREEN  # the polygon's top edge
    vis.set_image(np.full((10, 10, 3), 7, dtype=np.uint8))
    assert (vis.get_image() == 7).all()


def test_texts_are_drawn_where_asked() -> None:
    vis = canvas()
    vis.draw_texts("hello", torch.tensor([10, 70]), colors="white", font_sizes=14)
    img = vis.get_image()
    assert img[70:86, 10:50].max() == 255  # glyphs right and below the position
    assert img[:60].max() == 0
    assert img[:, :8].max() == 0


def test_draw_featmap_reductions_topk_and_overlay() -> None:
    feat = torch.zeros(8, 10, 12)
    feat[3, 2:5, 2:5] = 10.0  # the channel of largest sum
    mean = Visualizer.draw_featmap(feat)
    assert mean.shape == (10, 12, 3)
    assert mean.dtype == np.uint8
    # jet: the hot spot is red, the background dark blue
    assert mean[3, 3, 0] > 100
    assert mean[3, 3, 2] < 50
    assert mean[8, 8, 2] > 100
    assert mean[8, 8, 0] < 50
    assert (Visualizer.draw_featmap(feat, channel_reduction="select_max") == mean).all()
    grid = Visualizer.draw_featmap(feat, channel_reduction=None, topk=4, arrangement=(2, 2))
    assert grid.shape == (20, 24, 3)
    assert (grid[:10, :12] == mean).all()  # the first cell is the top channel
    image = np.full((20, 24, 3), 255, dtype=np.uint8)
    over = Visualizer.draw_featmap(feat, overlaid_image=image, alpha=0.5)
    assert over.shape == (20, 24, 3)  # resized to the image
    assert over.min() >= 127  # half of white everywhere
    resized = Visualizer.draw_featmap(feat, resize_shape=(5, 6))
    assert resized.shape == (5, 6, 3)
    rgb = Visualizer.draw_featmap(torch.rand(3, 4, 4), channel_reduction=None, topk=0)
    assert rgb.shape == (4, 4, 3)


def test_draw_featmap_errors_name_the_argument() -> None:
    with pytest.raises(ValueError, match=r"\(C, H, W\), got shape \(10, 12\)"):
        Visualizer.draw_featmap(torch.zeros(10, 12))
    with pytest.raises(ValueError, match="Did you mean 'squeeze_mean'"):
        Visualizer.draw_featmap(torch.zeros(2, 4, 4), channel_reduction="squeeze_men")
    with pytest.raises(ValueError, match="1 or 3 channels, got 2"):
        Visualizer.draw_featmap(torch.zeros(2, 4, 4), channel_reduction=None, topk=0)
    with pytest.raises(ValueError, match=r"arrangement \(1, 2\) has 2 cells for 3 channels"):
        Visualizer.draw_featmap(
            torch.zeros(3, 4, 4), channel_reduction=None, topk=3, arrangement=(1, 2)
        )


def test_bad_drawing_input_gets_a_clear_message() -> None:
    vis = canvas()
    with pytest.raises(ValueError, match=r"bboxes must have shape \(4,\) or \(N, 4\)"):
        vis.draw_bboxes(torch.tensor([1, 2, 3]))
    with pytest.raises(ValueError, match=r"box 1 \[50.0, 50.0, 40.0, 60.0\] is not"):
        vis.draw_bboxes(torch.tensor([[0, 0, 5, 5], [50, 50, 40, 60]]))
    with pytest.raises(ValueError, match=r"unknown colour 'gren'\. Did you mean 'green'"):
        vis.draw_bboxes(torch.tensor([0, 0, 5, 5]), edge_colors="gren")
    with pytest.raises(ValueError, match=r"three ints in 0-255, got \(300, 0, 0\)"):
        vis.draw_points(torch.tensor([1, 1]), colors=(300, 0, 0))
    with pytest.raises(ValueError, match=r"got 3 values for 2 items"):
        vis.draw_bboxes(torch.tensor([[0, 0, 5, 5], [1, 1, 6, 6]]), line_widths=[1, 2, 3])
    with pytest.raises(ValueError, match=r"image's size \(100, 120\), got shape \(1, 5, 5\)"):
        vis.draw_binary_masks(np.zeros((5, 5), dtype=bool))
    with pytest.raises(TypeError, match=r"bboxes must be a torch\.Tensor or a numpy array"):
        vis.draw_bboxes("0 0 5 5")
    with pytest.raises(ValueError, match="2 texts but 1 positions"):
        vis.draw_texts(["a", "b"], torch.tensor([1, 1]))
    with pytest.warns(UserWarning, match="outside the 120x100 image"):
        vis.draw_bboxes(torch.tensor([100, 10, 200, 50]))
    with pytest.raises(RuntimeError, match=r"no image to draw on; pass image= .* set_image"):
        Visualizer(name="vis-no-image").draw_bboxes(torch.tensor([0, 0, 1, 1]))


def test_show_without_a_display_saves_a_png_and_says_where(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.setenv("MPLBACKEND", "agg")
    vis = Visualizer(
        name="vis-show", image=np.zeros((30, 40, 3), dtype=np.uint8), save_dir=str(tmp_path)
    )
    vis.draw_bboxes(torch.tensor([5, 5, 20, 20]), edge_colors="red", alpha=1.0)
    path = vis.show(win_name="boxes")
    assert path == str(tmp_path / "vis_data" / "show" / "boxes.png")
    import matplotlib.image

    saved = (matplotlib.image.imread(path)[..., :3] * 255).round().astype(np.uint8)
    assert (saved == vis.get_image()).all()
    assert f"the image is saved to {path}" in capsys.readouterr().out


def test_without_matplotlib_drawing_names_the_extra_and_scalars_still_work(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in [m for m in sys.modules if m == "matplotlib" or m.startswith("matplotlib.")]:
        monkeypatch.setitem(sys.modules, name, None)
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(ImportError, match=r'pip install "mme-runner\[vis\]"'):
        Visualizer(name="vis-no-mpl", image=np.zeros((4, 4, 3), dtype=np.uint8))
    vis = Visualizer(
        name="vis-no-mpl-2", vis_backends=[dict(type="LocalVisBackend")], save_dir=str(tmp_path)
    )
    with pytest.raises(ImportError, match=r"draw_featmap draws with matplotlib"):
        vis.draw_featmap(torch.zeros(1, 2, 2))
    with pytest.raises(ImportError, match=r"Visualizer.draw_bboxes draws with matplotlib"):
        vis.draw_bboxes(torch.tensor([0, 0, 1, 1]))
    vis.add_scalars({"loss": 0.5}, step=1)
    assert (tmp_path / "vis_data" / "scalars.json").read_text() == '{"loss": 0.5, "step": 1}\n'
    with pytest.raises(
        ImportError, match=r"Saving an image draws with matplotlib.*mme-runner\[vis\]"
    ):
        vis.add_image("pic", np.zeros((4, 4, 3), dtype=np.uint8))


def test_add_image_checks_the_shape(tmp_path: Path) -> None:
    vis = Visualizer(
        name="vis-add-image", vis_backends=[dict(type="LocalVisBackend")], save_dir=str(tmp_path)
    )
    with pytest.raises(
        ValueError, match=r"image must be an HxWx3 RGB array, got shape \(4, 4, 2\)"
    ):
        vis.add_image("pic", np.zeros((4, 4, 2), dtype=np.uint8))
