"""Validation: SHACL shapes applied to the served graph or to uploads, the report model and its
renderings, untrusted uploads, and the killable processes validations run in.

May import :mod:`evawkg.graph`, :mod:`evawkg.sparql` and :mod:`evawkg.processes`; never the web.
"""
