"""Exemption family: suppressions and allowances end, and an ended one is a finding of its own.

An exemption (policies/config.py) names an owner, a ticket or a reason, and the day it
expires, no further ahead than the pack's maximum (setting `maxDays` of this rule, 180 days by
default; the loader refuses a later date). On and after that day the exemption no longer
exempts: the finding it hid comes back, and this rule reports the exemption itself, so that a
forgotten waiver fails the review instead of lasting forever (Azure Policy's exemption
`expiresOn`, trivy's `expired_at`).
"""

from policies.rules.exemption import expired  # noqa: F401 - imported for its registration
