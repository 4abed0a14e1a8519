"""Reading indexes: WSD, nearest usages, similarity, evaluation."""

from .index import SenseIndex, Target, open
from .metrics import score_predictions
from .results import Disambiguation, SenseScore, Usage
from .similarity import (  # the module keeps its name: the function is sensedb.similarity
    SimilarityResult,
    UsageQuery,
    evaluate_graded,
    evaluate_wic,
    similarity_batch,
)
from .tagger import TaggedWord

__all__ = ["Disambiguation", "SenseIndex", "SenseScore", "SimilarityResult", "TaggedWord",
           "Target", "Usage", "UsageQuery", "evaluate_graded", "evaluate_wic", "open",
           "score_predictions", "similarity_batch"]
