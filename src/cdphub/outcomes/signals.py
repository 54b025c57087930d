"""Signals between loading and computing.

``data_changed`` is sent (sender=DataLoad) whenever a load completes or is withdrawn, with
``metric_ids``: the metrics whose current figures changed. The computation module listens
and recomputes those metrics' values.
"""

from django.dispatch import Signal

data_changed = Signal()
