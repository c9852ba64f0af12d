"""The Visualizer's drawing API (VIS-01): boxes, points, texts, lines, circles, polygons,
masks and feature maps, drawn with matplotlib's Agg canvas on one image.

Every ``draw_*`` call adds to the same canvas (overlaying), accepts torch tensors or numpy
arrays, and takes colours as matplotlib names (``'g'``, ``'red'``) or RGB tuples of 0-255
ints. Coordinates are pixels, ``(0, 0)`` the top-left corner of the image, line widths in
pixels. matplotlib comes with the ``vis`` extra (``pip install "mme-runner[vis]"``); without
it the drawing calls raise an ImportError saying so, while scalar logging keeps working.
"""

from __future__ import annotations

import importlib
import os
import sys
import tempfile
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch

from mme.runner._suggest import did_you_mean

#: The dots per inch of the canvas: line widths and sizes are converted from pixels with it.
DPI = 100
#: ``draw_featmap``'s channel reductions.
CHANNEL_REDUCTIONS = ("squeeze_mean", "select_max")

ColorType = str | tuple | Sequence[str] | Sequence[tuple]


def matplotlib_module(name: str, purpose: str) -> Any:
    """Import ``matplotlib`` then ``name``; if missing, say which extra installs it."""
    try:
        importlib.import_module("matplotlib")
        return importlib.import_module(name)
    except ImportError as error:
        raise ImportError(
            f"{purpose} draws with matplotlib, which is not installed. Install it with: "
            'pip install "mme-runner[vis]" (or "mme[vis]")',
            name="matplotlib",
        ) from error


def to_numpy(value: Any, arg: str) -> np.ndarray:
    """``value`` (tensor, array or nested list of numbers) as a numpy array."""
    if isinstance(value, torch.Tensor):
        return value.detach().cpu().numpy()
    if isinstance(value, np.ndarray):
        return value
    if isinstance(value, list | tuple | int | float | np.generic):
        return np.asarray(value)
    raise TypeError(f"{arg} must be a torch.Tensor or a numpy array, got {type(value).__name__}")


def to_rgb(color: Any, arg: str) -> tuple[float, float, float] | str:
    """A matplotlib colour (0-1 floats) from a name or an RGB tuple of 0-255 ints."""
    colors = matplotlib_module("matplotlib.colors", "Visualizer")
    if isinstance(color, str):
        if color == "none":
            return color
        try:
            rgb = colors.to_rgb(color)
        except ValueError:
            names = list(colors.CSS4_COLORS) + list(colors.BASE_COLORS)
            raise ValueError(
                f"{arg}: unknown colour {color!r}.{did_you_mean(color, names)}"
            ) from None
        return (float(rgb[0]), float(rgb[1]), float(rgb[2]))
    if isinstance(color, tuple | list) and len(color) == 3:
        if not all(isinstance(c, int | np.integer) and 0 <= c <= 255 for c in color):
            raise ValueError(f"{arg}: an RGB colour is three ints in 0-255, got {color!r}")
        return (color[0] / 255, color[1] / 255, color[2] / 255)
    raise TypeError(f"{arg}: a colour is a name or an (R, G, B) tuple, got {color!r}")


def per_item(value: Any, n: int, arg: str) -> list:
    """``value`` for each of ``n`` items: one value repeated, or a list of ``n``."""
    if isinstance(value, list):
        if len(value) == 1:
            return value * n
        if len(value) != n:
            raise ValueError(f"{arg}: got {len(value)} values for {n} items")
        return value
    return [value] * n


def colors_for(value: ColorType, n: int, arg: str) -> list:
    """The colour of each of ``n`` items (a colour, or a list of ``n`` colours)."""
    if isinstance(value, tuple) and len(value) == 3 and not isinstance(value[0], str | tuple):
        value = [value]
    items = per_item(list(value) if isinstance(value, list) else value, n, arg)
    return [to_rgb(c, arg) for c in items]


def widths_in_points(widths: Any, n: int, arg: str) -> list[float]:
    """Line widths given in pixels, as matplotlib points."""
    values = per_item(widths, n, arg)
    for w in values:
        if not isinstance(w, int | float) or w < 0:
            raise ValueError(f"{arg}: a line width is a number >= 0 (pixels), got {w!r}")
    return [float(w) * 72 / DPI for w in values]


def as_image(image: Any, arg: str = "image") -> np.ndarray:
    """An HxWx3 uint8 RGB image from an array or tensor (HxW grey or HxWx3/4)."""
    array = to_numpy(image, arg)
    if array.ndim == 2:
        array = np.stack([array] * 3, axis=-1)
    if array.ndim != 3 or array.shape[-1] not in (3, 4):
        raise ValueError(f"{arg} must be an HxWx3 RGB array, got shape {tuple(array.shape)}")
    array = array[..., :3]
    if array.dtype != np.uint8:
        if np.issubdtype(array.dtype, np.floating) and array.size and array.max() <= 1.0:
            array = array * 255
        array = np.clip(array, 0, 255).astype(np.uint8)
    return np.ascontiguousarray(array)


def is_headless() -> bool:
    """No display to open a window on (Linux without X or Wayland, or MPLBACKEND=agg)."""
    if os.environ.get("MPLBACKEND", "").lower() == "agg":
        return True
    if sys.platform.startswith("linux"):
        return not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    return False


class Canvas:
    """A matplotlib Agg figure exactly the size of the image, one pixel per unit."""

    def __init__(self, image: np.ndarray) -> None:
        figure = matplotlib_module("matplotlib.figure", "Visualizer")
        backend = matplotlib_module("matplotlib.backends.backend_agg", "Visualizer")
        self.height, self.width = image.shape[:2]
        # the small margin keeps int(size * dpi) from rounding a pixel away
        self.figure = figure.Figure(
            figsize=((self.width + 0.01) / DPI, (self.height + 0.01) / DPI),
            dpi=DPI,
            frameon=False,
        )
        self.canvas = backend.FigureCanvasAgg(self.figure)
        self.ax = self.figure.add_axes((0, 0, 1, 1))
        self.ax.axis("off")
        self.ax.imshow(image, extent=(0, self.width, self.height, 0), interpolation="none")
        self.ax.set_xlim(0, self.width)
        self.ax.set_ylim(self.height, 0)
        self.ax.set_autoscale_on(False)

    def render(self) -> np.ndarray:
        self.canvas.draw()
        buffer = np.asarray(self.canvas.buffer_rgba())
        return np.ascontiguousarray(buffer[: self.height, : self.width, :3])


class DrawingMixin:
    """The drawing half of ``Visualizer``: one canvas, many ``draw_*`` calls on it."""

    _canvas: Canvas | None = None

    # ---------------------------------------------------------------------- the canvas
    def set_image(self, image: Any) -> None:
        """Start drawing on ``image`` (HxWx3 RGB uint8, array or tensor); clears the drawings."""
        array = as_image(image)
        if self._canvas is not None:
            self._canvas.figure.clear()
        self._canvas = Canvas(array)

    def get_image(self) -> np.ndarray:
        """The image with everything drawn so far, HxWx3 RGB uint8."""
        return self._require_canvas("get_image").render()

    @property
    def width(self) -> int:
        """Width of the image being drawn on."""
        return self._require_canvas("width").width

    @property
    def height(self) -> int:
        """Height of the image being drawn on."""
        return self._require_canvas("height").height

    def _require_canvas(self, what: str) -> Canvas:
        if self._canvas is None:
            matplotlib_module("matplotlib.figure", f"Visualizer.{what}")
            raise RuntimeError(
                f"Visualizer.{what}: there is no image to draw on; pass image= to the "
                "Visualizer or call set_image(image) first"
            )
        return self._canvas

    # ------------------------------------------------------------------------ shapes
    def draw_bboxes(
        self,
        bboxes: Any,
        edge_colors: ColorType = "g",
        line_styles: str | list[str] = "-",
        line_widths: float | list[float] = 2,
        face_colors: ColorType = "none",
        alpha: float = 0.8,
    ) -> DrawingMixin:
        """Draw boxes given as ``[x1, y1, x2, y2]`` (one, shape (4,), or N, shape (N, 4))."""
        canvas = self._require_canvas("draw_bboxes")
        boxes = to_numpy(bboxes, "bboxes").astype(float)
        if boxes.ndim == 1:
            boxes = boxes[None]
        if boxes.ndim != 2 or boxes.shape[1] != 4:
            raise ValueError(
                f"draw_bboxes: bboxes must have shape (4,) or (N, 4), got {tuple(boxes.shape)}"
            )
        bad = np.nonzero((boxes[:, 2] < boxes[:, 0]) | (boxes[:, 3] < boxes[:, 1]))[0]
        if len(bad):
            raise ValueError(
                f"draw_bboxes: box {int(bad[0])} {boxes[bad[0]].tolist()} is not "
                "[x1, y1, x2, y2] with x2 >= x1 and y2 >= y1"
            )
        polygons = [np.array([[x1, y1], [x2, y1], [x2, y2], [x1, y2]]) for x1, y1, x2, y2 in boxes]
        self._polygons(
            canvas, polygons, edge_colors, line_styles, line_widths, face_colors, alpha, "bboxes"
        )
        return self

    def draw_polygons(
        self,
        polygons: Any,
        edge_colors: ColorType = "g",
        line_styles: str | list[str] = "-",
        line_widths: float | list[float] = 2,
        face_colors: ColorType = "none",
        alpha: float = 0.8,
    ) -> DrawingMixin:
        """Draw closed polygons: one (K, 2) array of points, or a list of them."""
        canvas = self._require_canvas("draw_polygons")
        items = polygons if isinstance(polygons, list) else [polygons]
        arrays = []
        for index, polygon in enumerate(items):
            points = to_numpy(polygon, f"polygons[{index}]").astype(float)
            if points.ndim != 2 or points.shape[1] != 2 or len(points) < 3:
                raise ValueError(
                    f"draw_polygons: polygons[{index}] must have shape (K, 2) with K >= 3, "
                    f"got {tuple(points.shape)}"
                )
            arrays.append(points)
        self._polygons(
            canvas, arrays, edge_colors, line_styles, line_widths, face_colors, alpha, "polygons"
        )
        return self

    def _polygons(
        self,
        canvas: Canvas,
        polygons: list[np.ndarray],
        edge_colors: ColorType,
        line_styles: str | list[str],
        line_widths: float | list[float],
        face_colors: ColorType,
        alpha: float,
        what: str,
    ) -> None:
        patches = matplotlib_module("matplotlib.patches", "Visualizer")
        n = len(polygons)
        edges = colors_for(edge_colors, n, "edge_colors")
        faces = colors_for(face_colors, n, "face_colors")
        styles = per_item(line_styles, n, "line_styles")
        widths = widths_in_points(line_widths, n, "line_widths")
        self._check_alpha(alpha, "alpha")
        for i, points in enumerate(polygons):
            canvas.ax.add_patch(
                patches.Polygon(
                    points,
                    closed=True,
                    edgecolor=edges[i],
                    facecolor=faces[i],
                    linestyle=styles[i],
                    linewidth=widths[i],
                    alpha=alpha,
                    joinstyle="miter",
                )
            )
        self._warn_outside(np.concatenate(polygons), what, canvas)

    def draw_circles(
        self,
        center: Any,
        radius: Any,
        edge_colors: ColorType = "g",
        line_styles: str | list[str] = "-",
        line_widths: float | list[float] = 2,
        face_colors: ColorType = "none",
        alpha: float = 0.8,
    ) -> DrawingMixin:
        """Draw circles: centres (2,) or (N, 2), radii a number or (N,)."""
        canvas = self._require_canvas("draw_circles")
        patches = matplotlib_module("matplotlib.patches", "Visualizer")
        centers = to_numpy(center, "center").astype(float).reshape(-1, 2)
        radii = to_numpy(radius, "radius").astype(float).reshape(-1)
        if len(radii) == 1:
            radii = np.repeat(radii, len(centers))
        if len(radii) != len(centers):
            raise ValueError(f"draw_circles: {len(centers)} centres but {len(radii)} radii")
        if (radii < 0).any():
            raise ValueError(f"draw_circles: radii must be >= 0, got {radii.tolist()}")
        n = len(centers)
        edges = colors_for(edge_colors, n, "edge_colors")
        faces = colors_for(face_colors, n, "face_colors")
        styles = per_item(line_styles, n, "line_styles")
        widths = widths_in_points(line_widths, n, "line_widths")
        self._check_alpha(alpha, "alpha")
        for i in range(n):
            canvas.ax.add_patch(
                patches.Circle(
                    tuple(centers[i]),
                    radii[i],
                    edgecolor=edges[i],
                    facecolor=faces[i],
                    linestyle=styles[i],
                    linewidth=widths[i],
                    alpha=alpha,
                )
            )
        return self

    def draw_lines(
        self,
        x_datas: Any,
        y_datas: Any,
        colors: ColorType = "g",
        line_styles: str | list[str] = "-",
        line_widths: float | list[float] = 2,
    ) -> DrawingMixin:
        """Draw segments: ``x_datas`` and ``y_datas`` hold each segment's start and end,
        shape (2,) for one or (N, 2) for N."""
        canvas = self._require_canvas("draw_lines")
        xs = to_numpy(x_datas, "x_datas").astype(float)
        ys = to_numpy(y_datas, "y_datas").astype(float)
        if xs.shape != ys.shape:
            raise ValueError(
                f"draw_lines: x_datas {tuple(xs.shape)} and y_datas {tuple(ys.shape)} differ"
            )
        if xs.ndim not in (1, 2) or xs.shape[-1] != 2:
            raise ValueError(
                f"draw_lines: x_datas and y_datas must have shape (2,) or (N, 2), got "
                f"{tuple(xs.shape)}"
            )
        xs, ys = xs.reshape(-1, 2), ys.reshape(-1, 2)
        n = len(xs)
        cols = colors_for(colors, n, "colors")
        styles = per_item(line_styles, n, "line_styles")
        widths = widths_in_points(line_widths, n, "line_widths")
        for i in range(n):
            canvas.ax.plot(xs[i], ys[i], color=cols[i], linestyle=styles[i], linewidth=widths[i])
        return self

    def draw_points(
        self,
        positions: Any,
        colors: ColorType = "g",
        marker: str | None = None,
        sizes: Any = None,
    ) -> DrawingMixin:
        """Draw points at ``positions`` ((2,) or (N, 2)); ``sizes`` in pixels (diameter)."""
        canvas = self._require_canvas("draw_points")
        points = to_numpy(positions, "positions").astype(float).reshape(-1, 2)
        n = len(points)
        cols = colors_for(colors, n, "colors")
        if sizes is None:
            areas = None
        else:
            diameters = to_numpy(sizes, "sizes").astype(float).reshape(-1)
            areas = (diameters * 72 / DPI) ** 2
        canvas.ax.scatter(points[:, 0], points[:, 1], c=cols, marker=marker, s=areas)
        return self

    def draw_texts(
        self,
        texts: str | list[str],
        positions: Any,
        font_sizes: int | list[int] | None = None,
        colors: ColorType = "g",
        vertical_alignments: str | list[str] = "top",
        horizontal_alignments: str | list[str] = "left",
        font_families: str | list[str] = "sans-serif",
        bboxes: dict | list[dict] | None = None,
        font_properties: Any = None,
    ) -> DrawingMixin:
        """Write ``texts`` with their top-left corner (by default) at ``positions``."""
        canvas = self._require_canvas("draw_texts")
        items = [texts] if isinstance(texts, str) else list(texts)
        points = to_numpy(positions, "positions").astype(float).reshape(-1, 2)
        if len(points) != len(items):
            raise ValueError(f"draw_texts: {len(items)} texts but {len(points)} positions")
        n = len(items)
        if font_sizes is None:
            font_sizes = max(8, min(canvas.height, canvas.width) // 40)
        sizes = per_item(font_sizes, n, "font_sizes")
        cols = colors_for(colors, n, "colors")
        verticals = per_item(vertical_alignments, n, "vertical_alignments")
        horizontals = per_item(horizontal_alignments, n, "horizontal_alignments")
        families = per_item(font_families, n, "font_families")
        boxes = per_item(bboxes, n, "bboxes")
        props = per_item(font_properties, n, "font_properties")
        for i, text in enumerate(items):
            canvas.ax.text(
                points[i, 0],
                points[i, 1],
                text,
                size=sizes[i] * 72 / DPI,
                color=cols[i],
                verticalalignment=verticals[i],
                horizontalalignment=horizontals[i],
                family=families[i],
                bbox=boxes[i],
                fontproperties=props[i],
            )
        return self

    def draw_binary_masks(
        self,
        binary_masks: Any,
        colors: ColorType = "g",
        alphas: float | list[float] = 0.8,
    ) -> DrawingMixin:
        """Colour the pixels of masks of the image's size ((H, W) or (N, H, W), bool or 0/1)."""
        canvas = self._require_canvas("draw_binary_masks")
        masks = to_numpy(binary_masks, "binary_masks")
        if masks.ndim == 2:
            masks = masks[None]
        if masks.ndim != 3 or masks.shape[1:] != (canvas.height, canvas.width):
            raise ValueError(
                f"draw_binary_masks: masks must have the image's size "
                f"({canvas.height}, {canvas.width}), got shape {tuple(masks.shape)}"
            )
        if masks.dtype != bool and not np.isin(masks, (0, 1)).all():
            raise ValueError("draw_binary_masks: masks must be boolean or 0/1")
        n = len(masks)
        cols = colors_for(colors, n, "colors")
        alpha_list = per_item(alphas, n, "alphas")
        for i in range(n):
            self._check_alpha(alpha_list[i], "alphas")
            overlay = np.zeros((canvas.height, canvas.width, 4))
            overlay[..., :3] = cols[i]
            overlay[..., 3] = masks[i].astype(bool) * float(alpha_list[i])
            canvas.ax.imshow(
                overlay, extent=(0, canvas.width, canvas.height, 0), interpolation="none"
            )
        return self

    # ------------------------------------------------------------------- feature maps
    @staticmethod
    def draw_featmap(
        featmap: torch.Tensor,
        overlaid_image: Any = None,
        channel_reduction: str | None = "squeeze_mean",
        topk: int = 20,
        arrangement: tuple[int, int] = (4, 5),
        resize_shape: tuple[int, int] | None = None,
        alpha: float = 0.5,
    ) -> np.ndarray:
        """A picture of a (C, H, W) feature map, as an RGB uint8 array.

        Args:
            featmap: The feature map.
            overlaid_image: An HxWx3 image drawn under the feature map (it is resized to it).
            channel_reduction: ``'squeeze_mean'`` (mean of the channels), ``'select_max'``
                (the channel of largest sum) or None (draw ``topk`` channels).
            topk: With no reduction, draw the ``topk`` channels of largest sum in a grid of
                ``arrangement`` (rows, columns); ``topk <= 0`` needs 1 or 3 channels, drawn
                as they are.
            arrangement: Rows and columns of the top-k grid.
            resize_shape: (H, W) to resize the feature map to.
            alpha: Weight of the feature map over ``overlaid_image``.
        """
        cm = matplotlib_module("matplotlib", "Visualizer.draw_featmap").colormaps["jet"]
        if not isinstance(featmap, torch.Tensor):
            raise TypeError(f"draw_featmap: featmap must be a torch.Tensor, got {type(featmap)}")
        if featmap.ndim != 3:
            raise ValueError(
                f"draw_featmap: featmap must be (C, H, W), got shape {tuple(featmap.shape)}"
            )
        if channel_reduction is not None and channel_reduction not in CHANNEL_REDUCTIONS:
            raise ValueError(
                f"draw_featmap: channel_reduction must be one of {CHANNEL_REDUCTIONS} or None, "
                f"got {channel_reduction!r}.{did_you_mean(channel_reduction, CHANNEL_REDUCTIONS)}"
            )
        if not 0 <= alpha <= 1:
            raise ValueError(f"draw_featmap: alpha must be in [0, 1], got {alpha}")
        feat = featmap.detach().float().cpu()
        image = None if overlaid_image is None else as_image(overlaid_image, "overlaid_image")
        if resize_shape is not None:
            size: tuple[int, int] | None = (int(resize_shape[0]), int(resize_shape[1]))
        elif image is not None:
            size = (image.shape[0], image.shape[1])
        else:
            size = None
        if size is not None and tuple(feat.shape[1:]) != size:
            feat = torch.nn.functional.interpolate(
                feat[None], size=size, mode="bilinear", align_corners=False
            )[0]
        if image is not None and image.shape[:2] != tuple(feat.shape[1:]):
            image = _resize_image(image, (feat.shape[1], feat.shape[2]))

        def colourise(channel: torch.Tensor) -> np.ndarray:
            low, high = channel.min(), channel.max()
            norm = (channel - low) / (high - low) if high > low else torch.zeros_like(channel)
            rgb = (cm(norm.numpy())[..., :3] * 255).astype(np.uint8)
            if image is None:
                return rgb
            mixed = alpha * rgb.astype(float) + (1 - alpha) * image.astype(float)
            return mixed.round().astype(np.uint8)

        if channel_reduction == "squeeze_mean":
            return colourise(feat.mean(0))
        if channel_reduction == "select_max":
            return colourise(feat[int(feat.sum(dim=(1, 2)).argmax())])
        if topk <= 0:
            if feat.shape[0] == 1:
                return colourise(feat[0])
            if feat.shape[0] == 3:
                low, high = feat.min(), feat.max()
                norm = (feat - low) / (high - low) if high > low else torch.zeros_like(feat)
                return (norm.permute(1, 2, 0).numpy() * 255).astype(np.uint8)
            raise ValueError(
                "draw_featmap: with channel_reduction=None and topk <= 0 the feature map must "
                f"have 1 or 3 channels, got {feat.shape[0]}"
            )
        rows, cols = arrangement
        if rows * cols < min(topk, feat.shape[0]):
            raise ValueError(
                f"draw_featmap: arrangement {arrangement} has {rows * cols} cells for "
                f"{min(topk, feat.shape[0])} channels"
            )
        order = feat.sum(dim=(1, 2)).argsort(descending=True)[:topk]
        h, w = feat.shape[1:]
        grid = np.zeros((rows * h, cols * w, 3), dtype=np.uint8)
        for cell, channel in enumerate(order.tolist()):
            r, c = divmod(cell, cols)
            grid[r * h : (r + 1) * h, c * w : (c + 1) * w] = colourise(feat[channel])
        used_rows = (len(order) + cols - 1) // cols
        return grid[: used_rows * h]

    # -------------------------------------------------------------------------- show
    def show(
        self,
        drawn_img: Any = None,
        win_name: str = "image",
        wait_time: float = 0.0,
        continue_key: str = " ",
        backend: str = "matplotlib",
    ) -> str | None:
        """Show the drawn image in a window; without a display, save it to a PNG and log where.

        Returns:
            The path of the PNG when there was no display, else None.
        """
        if backend != "matplotlib":
            raise ValueError(f"Visualizer.show: backend must be 'matplotlib', got {backend!r}")
        image = as_image(drawn_img, "drawn_img") if drawn_img is not None else self.get_image()
        if is_headless():
            from mme.logging import print_log

            folder = self._show_dir()
            os.makedirs(folder, exist_ok=True)
            path = os.path.join(folder, f"{win_name}.png")
            save_png(image, path)
            print_log(f"No display to show '{win_name}': the image is saved to {path}", "current")
            return path
        pyplot = matplotlib_module("matplotlib.pyplot", "Visualizer.show")
        figure = pyplot.figure(win_name, frameon=False)
        pyplot.imshow(image)
        pyplot.axis("off")
        if wait_time > 0:
            pyplot.pause(wait_time)
        else:
            pyplot.show()
        pyplot.close(figure)
        return None

    def _show_dir(self) -> str:
        save_dir = getattr(self, "_save_dir", None)
        if save_dir:
            return os.path.join(save_dir, "vis_data", "show")
        return os.path.join(tempfile.gettempdir(), "mme_show")

    # ------------------------------------------------------------------------ checks
    @staticmethod
    def _check_alpha(alpha: Any, arg: str) -> None:
        if not isinstance(alpha, int | float) or not 0 <= alpha <= 1:
            raise ValueError(f"{arg} must be a number in [0, 1], got {alpha!r}")

    @staticmethod
    def _warn_outside(points: np.ndarray, what: str, canvas: Canvas) -> None:
        if (
            (points[:, 0] < 0).any()
            or (points[:, 1] < 0).any()
            or (points[:, 0] > canvas.width).any()
            or (points[:, 1] > canvas.height).any()
        ):
            import warnings

            warnings.warn(
                f"draw_{what}: some {what} lie partly outside the {canvas.width}x"
                f"{canvas.height} image; the outside part is not drawn",
                stacklevel=3,
            )


def save_png(image: np.ndarray, path: str) -> None:
    """Write an RGB uint8 image as a PNG (needs matplotlib)."""
    pyplot_free = matplotlib_module("matplotlib.image", "Saving an image")
    pyplot_free.imsave(path, image)


def _resize_image(image: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    tensor = torch.from_numpy(image).permute(2, 0, 1)[None].float()
    out = torch.nn.functional.interpolate(tensor, size=size, mode="bilinear", align_corners=False)
    return out[0].permute(1, 2, 0).round().clamp(0, 255).byte().numpy()
