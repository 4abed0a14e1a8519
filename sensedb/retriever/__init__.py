"""Reading indexes: WSD, nearest usages, similarity, evaluation."""

from .index import SenseIndex, Target, open
from .metrics import score_predictions
from .results import Disambiguation, SenseScore, Usage

__all__ = ["Disambiguation", "SenseIndex", "SenseScore", "Target", "Usage", "open",
           "score_predictions"]
