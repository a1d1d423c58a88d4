"""The window's actions with their shortcuts, and the menus and toolbar built from them."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Callable

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMenu, QStyle, QToolBar

from autosimnet_desktop.gui.runtime.icons import themed

SP = QStyle.StandardPixmap
Shortcut = QKeySequence | QKeySequence.StandardKey | str | None
ThemedIcon = tuple[str, QStyle.StandardPixmap]  # a freedesktop theme name and Qt's own icon where no theme has it


def make_action(window: QMainWindow, text: str, shortcut: Shortcut = None, tip: str = "",
                icon: ThemedIcon | None = None) -> QAction:
    """A window action with its shortcut, its tip (with the shortcut) and its icon."""
    action = QAction(text, window)
    if shortcut:
        action.setShortcut(QKeySequence(shortcut))
    if tip:
        action.setStatusTip(tip)
        action.setToolTip(f"{tip} ({action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)})"
                          if shortcut else tip)
    if icon:
        action.setIcon(themed(*icon))
    return action


class Actions:
    """Every QAction the main window offers; the window connects their `triggered` signals."""

    def __init__(self, window: QMainWindow) -> None:
        make = functools.partial(make_action, window)
        self.open_folder = make("Open catalogue folder…", QKeySequence.StandardKey.Open,
                                "Choose the folder with your product photos", ("folder-open", SP.SP_DirOpenIcon))
        self.open_sample = make("Open the sample catalogue", tip="300 clothing photos to try the app with")
        self.recent_menu = QMenu("Open recent", window)
        # Filled by the window from the shipped models' metadata; one checked entry, the model in use.
        self.model_menu = QMenu("&Model", window)
        self.model_menu.setToolTipsVisible(True)
        self.model_group = QActionGroup(window)
        self.model_group.setExclusive(True)
        self.open_image = make("Open image…", "Ctrl+I", "Search for a photo from your computer",
                               ("document-open", SP.SP_FileIcon))
        self.paste = make("Paste image", QKeySequence.StandardKey.Paste,
                          "Search for the image (or image file) on the clipboard",
                          ("edit-paste", SP.SP_FileDialogContentsView))
        self.back = make("Back", QKeySequence.StandardKey.Back, "Go back to the previous search",
                         ("go-previous", SP.SP_ArrowBack))
        self.all_products = make("All products", "Alt+Home", "List every product of your catalogue",
                                 ("go-home", SP.SP_DirHomeIcon))
        self.export_related = make("Export related products…", "Ctrl+E",
                                   "Save a CSV listing each product's most similar products, for your shop",
                                   ("document-save", SP.SP_DialogSaveButton))
        self.check_photos = make("Check new photos…", "Ctrl+Shift+M",
                                 "Do I already sell this? Compare new photos (a folder or files) with your catalogue",
                                 ("edit-find-replace", SP.SP_FileDialogContentsView))
        self.products_settings = make("Products…", tip="How photos are grouped into products, and your shop's "
                                      "product list")
        self.duplicates = make("Find duplicates…", "Ctrl+D", "Find products whose photos look the same",
                               ("edit-find", SP.SP_FileDialogDetailedView))
        self.rescan = make("Rescan folder", QKeySequence.StandardKey.Refresh,
                           "Look for new, changed or removed photos now", ("view-refresh", SP.SP_BrowserReload))
        self.failures = make("Show unreadable files", tip="List the files that could not be read and why")
        self.quit = make("Quit", QKeySequence.StandardKey.Quit)
        self.quit.setMenuRole(QAction.MenuRole.QuitRole)

        # Result actions act on the selected result; the grid shows them as its context menu.
        # In the grid Enter finds similar products (what a shop owner does next); Ctrl+Enter or a double-click
        # opens the photo in the desktop's viewer. The grid's key handler does Enter; these are for the menus.
        self.open_result = make("Open", "Ctrl+Return", "Open this photo in your image viewer")
        self.open_result.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)  # Ctrl+Enter elsewhere means other things
        self.find_similar = make("Find similar", "Ctrl+F", "Search for products similar to this one (Enter)",
                                 ("edit-find", SP.SP_FileDialogContentsView))
        self.show_in_folder = make("Show in folder", "Ctrl+Alt+R", "Show this photo in your file manager",
                                   ("folder", SP.SP_DirIcon))
        self.copy_path = make("Copy path", "Ctrl+Shift+C", "Copy the full path of this photo")
        self.copy_image = make("Copy image", QKeySequence.StandardKey.Copy, "Copy this photo to the clipboard")
        # Esc dismisses the message shown, else stops the running job: in no menu, on the window itself.
        self.escape = make("Dismiss message or stop", "Esc")
        window.addAction(self.escape)
        self.show_preview = make("Preview of the selected result", "F9",
                                 "Show the selected result large beside the grid")
        self.show_preview.setCheckable(True)
        self.full_screen = make("Full screen", "F11", "Fill the whole screen, or go back")
        platform_keys = QKeySequence.keyBindings(QKeySequence.StandardKey.FullScreen)  # e.g. Ctrl+Meta+F on a Mac
        self.full_screen.setShortcuts([QKeySequence("F11"), *(k for k in platform_keys if k != QKeySequence("F11"))])
        self.about = make("About AutoSimNet Desktop")
        self.about.setMenuRole(QAction.MenuRole.AboutRole)

        # Short labels for the toolbar; the menus keep the full ones.
        for action, short in ((self.open_folder, "Open folder"), (self.open_image, "Open image"),
                              (self.export_related, "Export related"), (self.duplicates, "Duplicates"),
                              (self.paste, "Paste"), (self.check_photos, "Check new photos")):
            action.setIconText(short)
        self.catalogue_actions = [self.open_image, self.paste, self.export_related, self.duplicates, self.rescan,
                                  self.all_products, self.check_photos, self.products_settings]
        self.result_actions = [self.open_result, self.find_similar, self.show_in_folder, self.copy_path,
                               self.copy_image]

    def build_menus(self, window: QMainWindow) -> None:
        """File, Result and Help menus."""
        bar = window.menuBar()
        file_menu = bar.addMenu("&File")
        file_menu.addActions([self.open_folder])
        file_menu.addMenu(self.recent_menu)
        file_menu.addAction(self.open_sample)
        file_menu.addSeparator()
        file_menu.addActions([self.open_image, self.paste])
        file_menu.addSeparator()
        file_menu.addActions([self.check_photos, self.export_related, self.duplicates])
        file_menu.addSeparator()
        file_menu.addAction(self.products_settings)
        file_menu.addSeparator()
        file_menu.addActions([self.rescan, self.failures])
        file_menu.addSeparator()
        file_menu.addAction(self.quit)
        result_menu = bar.addMenu("&Result")
        result_menu.addActions([self.back, self.all_products])
        result_menu.addSeparator()
        result_menu.addActions(self.result_actions)
        view_menu = bar.addMenu("&View")
        view_menu.addActions([self.show_preview, self.full_screen])
        bar.addMenu(self.model_menu)
        help_menu = bar.addMenu("&Help")
        help_menu.addAction(self.about)

    def build_toolbar(self, window: QMainWindow) -> QToolBar:
        """The main toolbar: the few things a shop owner does most."""
        toolbar = QToolBar("Main toolbar", window)
        toolbar.setObjectName("MainToolbar")
        toolbar.setMovable(False)
        toolbar.setIconSize(QSize(20, 20))
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        toolbar.addActions([self.open_folder, self.open_image, self.paste, self.back, self.all_products])
        toolbar.addSeparator()
        toolbar.addActions([self.check_photos, self.export_related, self.duplicates])
        window.addToolBar(toolbar)
        return toolbar

    def fill_recent_menu(self, folders: list[Path], open_folder: Callable[[Path], None],
                         clear: Callable[[], None]) -> None:
        """List the recent catalogue `folders` in the recent-catalogues menu, with a way to clear the list."""
        menu = self.recent_menu
        menu.clear()
        for folder in folders:
            menu.addAction(str(folder), functools.partial(open_folder, folder))
        if menu.isEmpty():
            menu.addAction("No recent catalogues").setEnabled(False)
        else:
            menu.addSeparator()
            menu.addAction("Clear list", clear)
