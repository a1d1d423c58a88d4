"""The shape of the app's list dialogs: an intro, the list, action buttons beside Close."""

from __future__ import annotations

from typing import Callable

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QPushButton, QVBoxLayout, QWidget


def lay_out_list_dialog(dialog: QDialog, intro: QWidget, body: QWidget,
                        actions: list[tuple[str, Callable[[], None]]]) -> None:
    """An intro line, the list itself, then action buttons beside Close: the shape of the app's list dialogs."""
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, dialog)
    for text, slot in actions:
        button = QPushButton(text, dialog)
        button.clicked.connect(slot)
        buttons.addButton(button, QDialogButtonBox.ButtonRole.ActionRole)
    buttons.rejected.connect(dialog.reject)
    layout = QVBoxLayout(dialog)
    layout.addWidget(intro)
    layout.addWidget(body, 1)
    layout.addWidget(buttons)
