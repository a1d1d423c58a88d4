"""What can be done with a result: open it, find products similar to it, show it in its folder, copy it."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from PySide6.QtCore import QMimeData, QObject, QUrl
from PySide6.QtGui import QGuiApplication, QImage

from autosimnet_desktop.core.images.decode import ImageError
from autosimnet_desktop.gui.actions import Actions
from autosimnet_desktop.gui.catalogue.page import CataloguePage
from autosimnet_desktop.gui.runtime.errors import describe
from autosimnet_desktop.gui.message_bar import MessageBar
from autosimnet_desktop.gui.runtime.desktop import Desktop, reveal, unrevealed_text
from autosimnet_desktop.gui.runtime.tasks import TaskRunner
from autosimnet_desktop.gui.search.result_item import ResultItem


def read_qimage(path: Path) -> QImage:
    """Load an image file as a QImage (on a pool thread)."""
    image = QImage(str(path))
    if image.isNull():
        raise ImageError("not an image this app can copy")
    return image


def set_clipboard_image(image: QImage, path: Path) -> None:
    """Put the image and its file on the clipboard: an editor pastes the picture, a file manager the file."""
    mime = QMimeData()
    mime.setImageData(image)
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    QGuiApplication.clipboard().setMimeData(mime)


class ResultActions(QObject):
    """Carries out the result actions (menu, context menu, shortcuts, double-click) on the selected result."""

    def __init__(self, actions: Actions, page: CataloguePage, desktop: Desktop, runner: TaskRunner,
                 messages: MessageBar, find_similar: Callable[[ResultItem], None], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._actions = actions
        self._page = page
        self._desktop = desktop
        self._runner = runner
        self._messages = messages
        self._find_similar = find_similar
        actions.open_result.triggered.connect(self.open)
        actions.find_similar.triggered.connect(self.find_similar)
        actions.show_in_folder.triggered.connect(self.show_in_folder)
        actions.copy_path.triggered.connect(self.copy_path)
        actions.copy_image.triggered.connect(self.copy_image)
        page.view.open_requested.connect(lambda _index: self.open())
        page.view.find_similar_requested.connect(lambda _index: self.find_similar())
        page.view.selectionModel().currentChanged.connect(lambda *_: self.update_enabled())
        page.model.modelReset.connect(self.update_enabled)

    def selected(self) -> tuple[ResultItem, Path] | None:
        """The selected hit and its file, if a result is selected."""
        row = self._page.current_row()
        if row is None:
            return None
        return self._page.model.hit(row), self._page.model.absolute_path(row)

    def update_enabled(self) -> None:
        """Result actions are available only while a result is selected."""
        has_result = self.selected() is not None
        for action in self._actions.result_actions:
            action.setEnabled(has_result)

    def open(self) -> None:
        """Open the selected result in the system's image viewer."""
        if (selected := self.selected()) and not self._desktop.open_file(selected[1]):
            self._messages.show_message(f"No program could open {selected[1].name}.", "warning")

    def find_similar(self) -> None:
        """Search for products similar to the selected product (with all its photos): product to product."""
        if selected := self.selected():
            self._find_similar(selected[0])

    def show_in_folder(self) -> None:
        """Show the selected result in the file manager."""
        if selected := self.selected():
            reveal(self._desktop, selected[1], lambda path: self._messages.show_path(unrevealed_text(path) + ".", path))

    def copy_path(self) -> None:
        """Copy the selected result's full path."""
        if selected := self.selected():
            QGuiApplication.clipboard().setText(str(selected[1]))

    def copy_image(self) -> None:
        """Copy the selected result's image (decoded in the pool) and its file to the clipboard."""
        if selected := self.selected():
            path = selected[1]
            self._runner.submit(read_qimage, path, owner=self,
                                on_result=lambda image: set_clipboard_image(image, path),
                                on_error=lambda exc: self._messages.show_message(
                                    describe(exc, f"Copying {path.name}"), "error"))
