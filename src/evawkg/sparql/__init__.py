"""The query path: the rules a query must pass, the seam to a SPARQL store, answers and the
embedded store's killable query processes.

The names below are the package's interface; :mod:`.embedded` (the embedded store's service) is
imported where a service is built, so importing the seam starts nothing.
"""

from .rules import QUERY_FORMS, UPDATE_OPERATIONS, prepare_query
from .service import (GRAPH_FORMATS, RESULT_FORMATS, Answer, AnswerFormat, DatasetDescription,
                      GraphCount, PreparedQuery, QueryRequest, SparqlService, answer_format)

__all__ = ["QUERY_FORMS", "UPDATE_OPERATIONS", "prepare_query", "GRAPH_FORMATS", "RESULT_FORMATS",
           "Answer", "AnswerFormat", "DatasetDescription", "GraphCount", "PreparedQuery",
           "QueryRequest", "SparqlService", "answer_format"]
