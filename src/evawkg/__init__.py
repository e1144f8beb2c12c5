"""evawkg: the EVAW knowledge graph of the UN system's work to end violence against women and girls."""

__version__ = "0.1.0"
