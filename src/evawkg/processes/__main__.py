"""``python -m evawkg.processes FD NAME``: a warm parent (NAME only labels it in ``ps``)."""

import sys

# Run the imported module's code, so what crosses the sockets pickles as evawkg.processes'.
from evawkg.processes.inside import parent_main

sys.exit(parent_main(int(sys.argv[1])))
