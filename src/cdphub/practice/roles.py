"""Permissions for the best-practice library.

Every signed-in user reads the published case studies; a partnership's members submit their
partnership's own (and see their own drafts and submissions); central users review a submission
before it is published, and add entries of their own (the guidance's Appendix 4).
"""

import rules

from cdphub.accounts.roles import is_central, is_partnership_member

rules.add_perm("practice.view_library", rules.is_authenticated)
rules.add_perm("practice.submit_case_study", is_partnership_member)
rules.add_perm("practice.review_case_study", is_central)
