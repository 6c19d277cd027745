"""`python -m generator` runs the emrs-env command line."""

import sys

from generator.cli import main

sys.exit(main())
