"""``python -m desktop_app``: the operator console."""

from desktop_app.app import main

raise SystemExit(main())
