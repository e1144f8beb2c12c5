"""Linked data: what the graph says about one IRI (descriptions), the VoID description and the
dumps. Reads the graph through the query path's service, never a copy of its own.

May import :mod:`evawkg.sparql` and :mod:`evawkg.graph`.
"""
