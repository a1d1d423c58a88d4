"""The desktop app (PySide6): a thin face over the Qt-free core."""
