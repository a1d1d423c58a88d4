"""The Model menu: the shipped models, the one in use checked, and which model new catalogues open with."""

from __future__ import annotations

from typing import Callable, Iterable

from PySide6.QtCore import QObject

from autosimnet_desktop.core.model.shipped import ShippedModel, shipped_models
from autosimnet_desktop.locations import DEFAULT_MODEL, resolve_model
from autosimnet_desktop.gui.actions import Actions
from autosimnet_desktop.gui.runtime.errors import describe
from autosimnet_desktop.gui.catalogue.session import SessionRef
from autosimnet_desktop.gui.runtime.settings import Settings
from autosimnet_desktop.gui.runtime.tasks import TaskRunner


class ModelMenu(QObject):
    """Fills the Model menu on first opening and remembers the model chosen in it."""

    def __init__(self, actions: Actions, settings: Settings, runner: TaskRunner,
                 session: SessionRef, choose: Callable[[str], None],
                 show_error: Callable[[str], None], parent: QObject) -> None:
        super().__init__(parent)
        self._actions = actions
        self._settings = settings
        self._runner = runner
        self._session = session
        self._choose = choose  # called with a model's file name when it is picked in the menu
        self._show_error = show_error
        self.override: str | None = None  # a --model given on the command line, until one is chosen
        self._chosen = settings.model  # the menu's choice, mirrored: see current()
        self._models: tuple[ShippedModel, ...] = ()
        self._asked = False

    def current(self) -> str | None:
        """The model new catalogues open with: --model, else the menu's choice, else None (the default)."""
        # The catalogue factory asks from a pool thread; one QSettings object must not be used from two threads.
        chosen = self._chosen
        if chosen and not resolve_model(chosen).is_file():
            chosen = ""  # a stored choice whose file is no longer shipped: the default model
        return self.override or chosen or None

    def remember(self, file: str) -> None:
        """Make the shipped model `file` the choice from now on, over any --model."""
        self._chosen = "" if file == DEFAULT_MODEL else file
        self._settings.model = self._chosen
        self.override = None

    def ask(self) -> None:
        """Read the shipped models' metadata on the pool the first time the Model menu opens."""
        if self._asked:
            self.check()
            return
        self._asked = True
        self._actions.model_menu.addAction("Reading the models…").setEnabled(False)
        self._runner.submit(shipped_models, on_result=self.set_models,
                            on_error=lambda exc: self._show_error(describe(exc)))

    def set_models(self, models: Iterable[ShippedModel]) -> None:
        """Fill the Model menu with the shipped models, the one in use checked."""
        self._asked = True
        self._models = tuple(models)
        menu, group = self._actions.model_menu, self._actions.model_group
        menu.clear()
        for action in group.actions():
            group.removeAction(action)
        for model in self._models:
            action = menu.addAction((model.display_name or model.name) + (" (default)" if model.default else ""))
            action.setCheckable(True)
            action.setData(model.file)
            action.setToolTip("Sees shape and colour: the Shape … Colour slider sets the balance" if model.fused
                              else "Sees shapes, not colours" + (f" ({model.name})" if model.display_name != model.name else ""))
            group.addAction(action)
            action.triggered.connect(lambda _checked=False, f=model.file: self._choose(f))
        menu.addSeparator()
        note = menu.addAction("Each model keeps its own index: a model's first use indexes the catalogue")
        note.setEnabled(False)
        self.check()

    def in_use(self) -> str:
        """File name of the model in use (the open catalogue's, else the one the next catalogue opens with)."""
        session = self._session()
        if session is not None and session.is_open and session.catalogue is not None:
            return session.catalogue.model.path.name
        return resolve_model(self.current()).name

    def check(self) -> None:
        """Check the menu entry of the model in use."""
        in_use = self.in_use()
        for action in self._actions.model_group.actions():
            action.setChecked(action.data() == in_use)
