"""``python -m sensedb.cli``: the ``sensedb`` command."""

import sys

from sensedb.cli import main

sys.exit(main())
