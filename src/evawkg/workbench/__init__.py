"""The analysts' workbench: named queries and their typed parameters, tables of answers, the
OpenAPI description, search and the home page's charts.

May import :mod:`evawkg.sparql` and :mod:`evawkg.graph`.
"""
