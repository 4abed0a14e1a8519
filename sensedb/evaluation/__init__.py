"""Evaluation: all-words WSD scored like Raganato et al. (2017) (``allwords``, ``metrics``).

Modules are imported where used (``from sensedb.evaluation.allwords import evaluate``): this
package imports nothing at load, so any layer may use it without a cycle.
"""
