"""`python -m tariffs …`: see tariffs/cli.py."""

import sys

from tariffs.cli import main

sys.exit(main())
