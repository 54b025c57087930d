"""Official-indicator statistics (PHE/OHID Fingertips methods), pure NumPy, no Django.

Every function takes arrays (one element per area, period or age band) and returns a dict of
arrays, so a million rows cost one vectorised pass. Missing values are NaN in and NaN out.
The methods and their edge cases are written out in ``docs/methods.md``; each module's
docstring gives the formulas it implements.

=================  ===========================================================
``crude_rate``     rate per 100 000, exact limits below 10 events, Byars above
``proportion``     proportion (or percentage) with Wilson score limits
``unmet_need``     share of a modelled population not in treatment (its own limits)
``dsr``            directly standardised rate, Dobson limits, ESP2013 (``esp2013``)
``isr_ratio``      indirectly standardised ratio (SMR ×100), ``isr_rate`` the rate
``mean``           mean with Student's t limits
``compare``        better / similar / worse (or higher / lower) against a benchmark
``recent_trend``   the Fingertips five-point recent-trend test
``categories``     quintile / quartile categories; ``spine_quartiles`` for spine charts
``suppress``       small-number disclosure control with secondary suppression
=================  ===========================================================

Limits come at 95% and 99.8% by default, named ``lower_95``, ``upper_95``, ``lower_99_8``,
``upper_99_8``. SciPy is imported only where a method needs it (means; exact limits for
fractional counts), so ``cdphub stats crude-rate`` starts quickly.
"""

from ._common import DEFAULT_LEVELS, StatsInputError
from .compare import compare
from .dsr import dsr, esp2013
from .isr import isr_rate, isr_ratio
from .means import mean
from .poisson import byars_lower, byars_upper, exact_limits, poisson_limits
from .proportions import proportion, unmet_need, wilson_limits
from .quantiles import bounds, categories, percentile_inc, spine_quartiles
from .rates import crude_rate
from .suppression import mask_values, round_to_5, suppress
from .trend import recent_trend

__all__ = [
    "DEFAULT_LEVELS",
    "StatsInputError",
    "bounds",
    "byars_lower",
    "byars_upper",
    "categories",
    "compare",
    "crude_rate",
    "dsr",
    "esp2013",
    "exact_limits",
    "isr_rate",
    "isr_ratio",
    "mask_values",
    "round_to_5",
    "mean",
    "percentile_inc",
    "poisson_limits",
    "proportion",
    "recent_trend",
    "spine_quartiles",
    "suppress",
    "unmet_need",
    "wilson_limits",
]
