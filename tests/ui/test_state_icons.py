"""Each state's icon is painted off the GUI thread while the window opens (ui.state_style.prepare), on images: the
icons made from them are whole at every size, each state's its own picture, in the state's colour."""

from __future__ import annotations

import threading

from PySide6.QtCore import QSize
from PySide6.QtGui import QIcon

from core.states import ReturnState
from ui import state_style


def test_icons_painted_on_another_thread_are_whole_and_each_states_own(qtbot):
    state_style._images.cache_clear()
    state_style.icon.cache_clear()
    painter = threading.Thread(target=state_style.prepare)
    painter.start()
    painter.join(10)
    assert not painter.is_alive() and state_style._images.cache_info().currsize == 2 * len(ReturnState)
    pictures = {}
    for state in ReturnState:
        made = state_style.icon(state)
        sizes = {(size.width(), size.height()) for size in made.availableSizes()}
        assert sizes == {(n, n) for n in (16, 24, 32, 48)}
        image = made.pixmap(QSize(32, 32)).toImage()
        pixels = [image.pixelColor(x, y) for x in range(32) for y in range(32)]
        coloured = [c for c in pixels if c.alpha() > 250]
        assert len(coloured) > 100, state  # a shape, not an empty square
        target = state_style.colour(state)
        assert any(abs(c.red() - target.red()) + abs(c.green() - target.green()) + abs(c.blue() - target.blue()) < 30
                   for c in coloured), state
        pictures[state] = bytes(image.constBits())
    assert len(set(pictures.values())) == len(ReturnState)


def test_on_a_selected_row_each_icon_keeps_its_colour_on_a_white_disc(qtbot):
    """Qt tints a selected icon with the highlight: 待推送's blue circle all but vanished on a blue row."""
    for state in ReturnState:
        made = state_style.icon(state)
        normal = made.pixmap(QSize(32, 32), QIcon.Mode.Normal).toImage()
        selected = made.pixmap(QSize(32, 32), QIcon.Mode.Selected).toImage()
        edge = selected.pixelColor(16, 1)  # inside the disc, outside every shape
        assert (edge.alpha(), edge.red(), edge.green(), edge.blue()) == (255, 255, 255, 255), state
        assert normal.pixelColor(16, 1).alpha() == 0, state
        target = state_style.colour(state)
        pixels = [selected.pixelColor(x, y) for x in range(32) for y in range(32)]
        assert sum(abs(c.red() - target.red()) + abs(c.green() - target.green()) + abs(c.blue() - target.blue()) < 30
                   for c in pixels) > 20, state
