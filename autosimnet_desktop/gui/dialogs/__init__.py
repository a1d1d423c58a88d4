"""The window's other dialogs and menus: About, unreadable files, related-products export, the Model menu."""
