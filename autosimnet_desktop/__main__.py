"""`python -m autosimnet_desktop`: the desktop app (through the launcher, so --self-test works too)."""

from autosimnet_desktop.launcher import main

raise SystemExit(main())
