"""Reading indexes: WSD, nearest usages, similarity (evaluation: ``sensedb.evaluation``)."""

from .index import SenseIndex, open
from .results import Disambiguation, SenseScore, Usage
from .similarity import (  # the module keeps its name: the function is sensedb.similarity
    SimilarityResult,
    UsageQuery,
    evaluate_graded,
    evaluate_wic,
    similarity_batch,
)
from .sources import ArraySource, EvidenceSource, IndexSource
from .tagger import TaggedWord, tag_text
from .target import Target

__all__ = ["ArraySource", "Disambiguation", "EvidenceSource", "IndexSource", "SenseIndex",
           "SenseScore", "SimilarityResult", "TaggedWord", "Target", "Usage", "UsageQuery",
           "evaluate_graded", "evaluate_wic", "open", "similarity_batch", "tag_text"]
