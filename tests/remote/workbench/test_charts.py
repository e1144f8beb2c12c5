"""tests/workbench/test_charts.py on Oxigraph server and Virtuoso holding the bundle."""

from ...workbench.test_charts import *  # noqa: F401,F403 -- the suite itself, collected here
