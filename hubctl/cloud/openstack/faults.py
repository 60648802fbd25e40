"""What kind of failure an exception of openstacksdk or keystoneauth is (hubctl.cloud.api.Fault)."""

from __future__ import annotations

from keystoneauth1 import exceptions as ksa
from openstack import exceptions as sdk

from hubctl.cloud.api import Fault


def _status(error: BaseException) -> int | None:
    status = getattr(error, "status_code", None)
    if status is None:
        response = getattr(error, "response", None)
        status = getattr(response, "status_code", None)
    return status if isinstance(status, int) else None


def fault_of(error: BaseException) -> tuple[Fault, str]:
    """The kind of fault and a short why."""
    name = type(error).__name__
    if isinstance(error, ksa.EndpointNotFound | sdk.EndpointNotFound) or name == (
        "ServiceDisabledException"
    ):
        return Fault.ABSENT, "the cloud's catalogue has no endpoint for it"
    # keystoneauth raises ConnectTimeout for a read that takes too long as well.
    if isinstance(error, ksa.ConnectTimeout | ksa.RequestTimeout | ksa.GatewayTimeout):
        return Fault.TIMEOUT, f"no answer in time ({name})"
    if isinstance(error, ksa.ConnectFailure | ksa.ConnectionError | ConnectionError):
        return Fault.UNREACHABLE, f"cannot connect ({name})"
    if name == "ServiceDiscoveryException":  # the endpoint did not answer its version query
        return Fault.UNREACHABLE, f"its endpoint did not answer ({name})"
    status = _status(error)
    if status == 403 or isinstance(error, sdk.ForbiddenException):
        return Fault.FORBIDDEN, "HTTP 403: the auditing identity may not read it"
    if status == 404 or isinstance(error, sdk.NotFoundException):
        return Fault.NOT_FOUND, "HTTP 404"
    if status is not None:
        return Fault.ERROR, f"HTTP {status}"
    text = str(error).splitlines()[0][:200] if str(error) else ""
    return Fault.ERROR, f"{name}: {text}" if text else name
