"""``python -m evawkg.processes FD NAME``: a warm parent (NAME only labels it in ``ps``)."""

import sys

try:
    # Run the imported module's code, so what crosses the sockets pickles as evawkg.processes'.
    from evawkg.processes.inside import parent_main

    status = parent_main(int(sys.argv[1]))
except KeyboardInterrupt:
    # Ctrl-C at a terminal reaches every process of its foreground group, this one too (`evawkg
    # serve`): ending is all it has to do; its supervisor says what happened. A traceback from
    # each warm parent said nothing.
    status = 130
sys.exit(status)
