"""``python -m zzforecast`` is the same as the ``zzforecast`` command."""

from .cli import main

raise SystemExit(main())
