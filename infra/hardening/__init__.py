"""Host hardening after ANSSI BP-028, rendered as cloud-init user data for each host role.

The compute layer calls `render_user_data(role, settings)` and passes the result as the
instance's user data; tests/host verifies the result on a real Debian root and on deployed hosts.
"""

from infra.hardening.model import (
    RECOMMENDATIONS,
    AdminUser,
    HardeningSettings,
    Level,
    Measure,
    Recommendation,
)
from infra.hardening.userdata import MEASURES, measures_for, render_user_data, user_data_document

__all__ = [
    "MEASURES",
    "RECOMMENDATIONS",
    "AdminUser",
    "HardeningSettings",
    "Level",
    "Measure",
    "Recommendation",
    "measures_for",
    "render_user_data",
    "user_data_document",
]
