"""Figures shared by the notebooks (drawn by code, so every picture can be reproduced)."""

from __future__ import annotations

import matplotlib.pyplot as plt
from matplotlib.patches import Circle, FancyArrowPatch

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
