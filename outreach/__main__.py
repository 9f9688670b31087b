import sys

from outreach.cli.main import main

sys.exit(main())
