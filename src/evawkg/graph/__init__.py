"""The graph itself: where the bundle lives, reading RDF into a pyoxigraph store, the OWL 2 RL
closure, the ontology lint, the JSON-LD context, generated countries and synthetic graphs.

Everything here works on a store or a file, knows nothing of SPARQL services, validation or
HTTP, and imports only the foundation modules (``errors``, ``namespaces``, ``settings``,
``readiness``).
"""
