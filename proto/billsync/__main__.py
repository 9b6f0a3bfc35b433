"""``python -m billsync``: the command line, as the ``billsync`` script runs it."""

from billsync.daemon.cli import main

main()
