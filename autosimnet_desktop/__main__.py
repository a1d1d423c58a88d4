"""`python -m autosimnet_desktop`: the desktop app."""

from autosimnet_desktop.gui.app import main

raise SystemExit(main())
