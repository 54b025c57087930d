"""Events of the register that other apps act on, sent explicitly by ``actions.py``.

``footprint_changed`` (sender=Partnership, ``partnership=``) is sent inside the transaction
that changed which authorities a partnership covers, or its region: a partnership
registered, a footprint change agreed. The outcomes app recomputes every partnership's
figures when that transaction commits (``outcomes/recompute.py``).
"""

from django.dispatch import Signal

footprint_changed = Signal()
