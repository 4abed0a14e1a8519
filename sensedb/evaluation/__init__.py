"""Evaluation: all-words WSD, WiC, graded similarity, and the statistics they report."""
