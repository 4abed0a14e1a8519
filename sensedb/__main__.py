"""``python -m sensedb``: the ``sensedb`` command (as ``python -m sensedb.cli``)."""

import sys

from sensedb.cli import main

sys.exit(main())
