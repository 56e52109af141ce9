"""`python -m kameng_tui` runs the same CLI as the `kameng-tui` command."""

import sys

from kameng_tui.cli import main

sys.exit(main())
