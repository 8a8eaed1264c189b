"""`python -m standin ...`: run the stand-in engine (see standin/__init__.py)."""

import sys

from standin import main

sys.exit(main())
