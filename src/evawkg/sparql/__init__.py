"""The query path: the rules a query must pass, the seam to a SPARQL store, answers and the
embedded store's killable query processes.

The names below are the package's interface; :mod:`.embedded` (the embedded store's service) is
imported where a service is built, so importing the seam starts nothing.
"""

from .rules import (MAX_NESTING, QUERY_FORMS, UPDATE_OPERATIONS, check_graph_iri, check_nesting,
                    prepare_query)
from .service import (GRAPH_FORMATS, RESULT_FORMATS, Answer, AnswerFormat, AnswerFormats,
                      DatasetDescription, GraphCount, PreparedQuery, QueryRequest, SparqlService,
                      answer_format, kind_of)

__all__ = ["QUERY_FORMS", "UPDATE_OPERATIONS", "MAX_NESTING", "check_graph_iri", "check_nesting",
           "prepare_query", "GRAPH_FORMATS", "RESULT_FORMATS", "Answer", "AnswerFormat",
           "AnswerFormats", "DatasetDescription", "GraphCount", "PreparedQuery", "QueryRequest",
           "SparqlService", "answer_format", "kind_of"]
