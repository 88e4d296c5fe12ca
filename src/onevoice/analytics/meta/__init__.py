"""Random-effects meta-analysis: is the training effect the rule across campaigns?

Pure numpy / scipy / pandas; never imports Django. Pools one estimate and standard error
per campaign (its relative uplift) the way R ``metafor::rma`` does — τ² by
DerSimonian–Laird or REML, the Hartung–Knapp–Sidik–Jonkman or normal interval — and
returns a result object with ``tidy()``, ``summary()``, ``to_dict()`` and ``plot()``.

>>> from onevoice.analytics.meta import meta_analysis
>>> res = meta_analysis([0.12, 0.05, 0.20], [0.04, 0.03, 0.06],
...                     labels=["North", "South", "East"], method="DL", test="knha")
>>> res.k, res.df
(3, 2)
"""

from .pooling import Tau2Method, TestKind, meta_analysis
from .results import ESTIMAND, MetaEntry, MetaResult

__all__ = [
    "ESTIMAND",
    "MetaEntry",
    "MetaResult",
    "Tau2Method",
    "TestKind",
    "meta_analysis",
]
