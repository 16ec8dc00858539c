"""``python -m portal`` is the ``grants`` command."""

from portal.cli import main

main()
