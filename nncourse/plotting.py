"""Figures shared by the notebooks (drawn by code, so every picture can be reproduced)."""

from __future__ import annotations

import matplotlib.pyplot as plt
from matplotlib.colors import ListedColormap
from matplotlib.patches import Circle, FancyArrowPatch, Rectangle

_NODE_RADIUS = 0.12


def draw_mcp_network(ax, title: str, excitatory: dict[str, int], inhibitory: tuple[str, ...] = ()) -> None:
    """Draw one neuron C fed by inputs A and B, as in Géron's Figure 10-3.

    ``excitatory`` maps an input name to how many times it is connected;
    inhibitory connections end in a round head instead of an arrow.
    """
    positions = {"A": (0.0, 0.75), "B": (0.0, 0.0), "C": (1.0, 0.375)}
    for name, (x, y) in positions.items():
        ax.add_patch(Circle((x, y), _NODE_RADIUS, facecolor="#dbe9f6", edgecolor="black"))
        ax.text(x, y, name, ha="center", va="center", fontsize=12)
    target = positions["C"]
    for name, count in excitatory.items():
        for offset in _fan(count):
            _connect(ax, positions[name], target, offset, "-|>")
    for name in inhibitory:
        _connect(ax, positions[name], target, 0.0, "-[", color="firebrick")
    ax.set_title(title)
    ax.set_xlim(-0.3, 1.3)
    ax.set_ylim(-0.3, 1.05)
    ax.set_aspect("equal")
    ax.axis("off")


def _fan(count: int) -> list[float]:
    """Vertical offsets that keep repeated connections apart."""
    return [0.05 * (i - (count - 1) / 2) for i in range(count)]


def _connect(ax, start, end, offset, style, color="black") -> None:
    arrow = FancyArrowPatch(
        (start[0] + _NODE_RADIUS, start[1] + offset), (end[0] - _NODE_RADIUS, end[1] + offset),
        arrowstyle=style, mutation_scale=14, color=color, linewidth=1.4,
    )
    ax.add_patch(arrow)


def plot_mcp_networks():
    """The four networks of Figure 10-3: identity, AND, OR and A AND NOT B."""
    networks = [
        ("C = A", {"A": 2}, ()),
        ("C = A ∧ B", {"A": 1, "B": 1}, ()),
        ("C = A ∨ B", {"A": 2, "B": 2}, ()),
        ("C = A ∧ ¬B", {"A": 2}, ("B",)),
    ]
    fig, axes = plt.subplots(1, 4, figsize=(12, 3))
    for ax, (title, excitatory, inhibitory) in zip(axes, networks):
        draw_mcp_network(ax, title, excitatory, inhibitory)
    fig.suptitle("Redes de neuronas de McCulloch-Pitts (umbral 2): → excitadora, ⊣ inhibidora")
    fig.tight_layout()
    return fig



def draw_layered_network(ax, layer_sizes: list[int], layer_names: list[str], title: str = "") -> None:
    """Draw a fully connected network, one column of neurons per layer (Géron's Figures 10-5 and 10-7).

    Input neurons are squares (they only pass their input on); below every layer
    but the last sits its bias neuron "1", whose connections are grey.
    """
    radius, spacing = 0.3, 2.5
    height = max(layer_sizes) + 1
    columns = [
        [(index * spacing, (height + size - 1) / 2 - row) for row in range(size)]
        for index, size in enumerate(layer_sizes)
    ]
    for index, (left, right) in enumerate(zip(columns, columns[1:])):
        bias = (index * spacing, min(y for _, y in left) - 1.2)
        for start in left + [bias]:
            for end in right:
                ax.add_patch(FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=12, linewidth=1.0,
                                             shrinkA=12, shrinkB=12, color="grey" if start is bias else "black"))
        ax.add_patch(Circle(bias, radius, facecolor="#eeeeee", edgecolor="grey"))
        ax.text(*bias, "1", ha="center", va="center", fontsize=10)
    for index, nodes in enumerate(columns):
        for x, y in nodes:
            if index == 0:
                ax.add_patch(Rectangle((x - radius, y - radius), 2 * radius, 2 * radius,
                                       facecolor="#fde3c8", edgecolor="black"))
            else:
                ax.add_patch(Circle((x, y), radius, facecolor="#dbe9f6", edgecolor="black"))
        ax.text(nodes[0][0], height + 0.2, layer_names[index], ha="center", va="bottom", fontsize=11)
    ax.set_title(title)
    ax.set_xlim(-1, spacing * (len(layer_sizes) - 1) + 1)
    ax.set_ylim(-1.5, height + 1.2)
    ax.set_aspect("equal")
    ax.axis("off")


def plot_sliding_window(n: int, kernel: int, stride: int = 1, pad: int = 0):
    """A kernel×kernel window sliding over an n×n image (Torres ch. 4): one panel per output neuron.

    The panels are laid out like the output, so the panel in row i, column j
    shows the pixels that output (i, j) sees. ``pad`` rows and columns of zeros
    (grey) surround the image on every side.
    """
    size = n + 2 * pad
    starts = range(0, size - kernel + 1, stride)
    padding_cells = [[int(not (pad <= y < pad + n and pad <= x < pad + n)) for x in range(size)]
                     for y in range(size)]
    cells = ListedColormap(["white", "#d9d9d9"])
    fig, axes = plt.subplots(len(starts), len(starts), figsize=(1.5 * len(starts), 1.5 * len(starts) + 0.4),
                             squeeze=False)
    for row, top in enumerate(starts):
        for column, left in enumerate(starts):
            ax = axes[row, column]
            ax.pcolormesh(padding_cells, cmap=cells, vmin=0, vmax=1, edgecolors="grey", linewidth=0.6)
            ax.add_patch(Rectangle((left, top), kernel, kernel, fill=False, edgecolor="firebrick", linewidth=2.5))
            ax.set_title(f"salida ({row}, {column})", fontsize=9)
            ax.set_xlim(-0.2, size + 0.2)
            ax.set_ylim(size + 0.2, -0.2)  # row 0 on top, as in an image
            ax.set_aspect("equal")
            ax.axis("off")
    fig.suptitle(f"Entrada {n}×{n}, ventana {kernel}×{kernel}, stride {stride}, relleno {pad}: "
                 f"salida {len(starts)}×{len(starts)}")
    fig.tight_layout()
    return fig


def plot_image_grid(images, ncols: int = 8, title: str | None = None, titles=None, size: float = 1.2):
    """Grey-scale images side by side in rows of ``ncols`` (digits, filters, feature maps)."""
    nrows = -(-len(images) // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(size * ncols, size * nrows + (0.4 if title else 0)),
                             squeeze=False)
    for ax in axes.flat:
        ax.axis("off")
    for index, (ax, image) in enumerate(zip(axes.flat, images)):
        ax.imshow(image, cmap="gray")
        if titles is not None:
            ax.set_title(titles[index], fontsize=9)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig
