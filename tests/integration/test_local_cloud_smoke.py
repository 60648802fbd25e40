"""Smoke test of the local cloud itself: every service answers real calls through openstacksdk.

It uses the `local` cloud of .local-cloud/clouds.yaml (the hub's project in region LOCAL1), checks
the seed the hub program relies on (flavors, image, volume types with their LUKS twins, Ext-Net),
and drives one real operation per service: a server to ACTIVE on the fake compute hosts, an
encrypted volume to available, a versioned Swift container, a Barbican secret. Everything it
creates is deleted again, so the deployment tests that follow count from a clean project.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from localcloud.layout import default_layout

REPO = Path(__file__).resolve().parents[2]
# .local-cloud/clouds.yaml, or the one under LOCAL_CLOUD_DIR when the cloud lives elsewhere.
CLOUDS_YAML = default_layout().clouds_yaml

pytestmark = pytest.mark.integration


def _connect(cloud: str) -> Any:
    """A connection from the local cloud's own clouds.yaml entry alone: the session's OS_*
    variables and OS_CLIENT_CONFIG_FILE are the test tenant's, and openstacksdk would read
    those first."""
    import json

    import openstack.connection

    entry = json.loads(CLOUDS_YAML.read_text())["clouds"][cloud]
    return openstack.connection.Connection(
        auth=entry["auth"],
        auth_type="password",
        region_name=entry["region_name"],
        identity_api_version="3",
        interface="public",
    )


@pytest.fixture(scope="module")
def conn(test_tenant: Any) -> Any:
    """The test session's own project: what the smoke tests create never lands in hub-local."""
    return test_tenant.connect()


@pytest.fixture()
def cleanup() -> Iterator[Callable[[Callable[[], Any]], None]]:
    """Register undo actions; they run in reverse order even when the test fails."""
    undo: list[Callable[[], Any]] = []
    yield undo.append
    for action in reversed(undo):
        try:
            action()
        except Exception as err:  # cleanup must go on with the next resource
            print(f"cleanup failed: {err!r}")


def _until(check: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(1)


def test_clouds_yaml_has_both_sites() -> None:
    text = CLOUDS_YAML.read_text()
    assert '"local"' in text and '"local-dr"' in text
    dr = _connect("local-dr")
    assert dr.config.get_region_name() == "LOCAL2"
    assert dr.current_project.name == "hub-dr"


def test_every_service_answers(conn: Any) -> None:
    assert _connect("local").current_project.name == "hub-local"
    assert list(conn.compute.flavors())
    assert list(conn.network.networks())
    assert list(conn.image.images())
    assert list(conn.block_storage.types())
    assert list(conn.placement.resource_providers())
    conn.object_store.get_account_metadata()
    list(conn.key_manager.secrets())
    regions = {r.id for r in conn.identity.regions()}
    assert {"LOCAL1", "LOCAL2"} <= regions


def test_seeded_flavors_and_image(conn: Any) -> None:
    flavors = {f.name: f for f in conn.compute.flavors()}
    for name, vcpus, ram, disk in (
        ("d2-2", 1, 2048, 25),
        ("b3-8", 2, 8192, 50),
        ("r3-16", 2, 16384, 50),
    ):
        assert (flavors[name].vcpus, flavors[name].ram, flavors[name].disk) == (vcpus, ram, disk)
    image = conn.image.find_image("Debian 12")
    assert image is not None and image.status == "active"
    assert (image.disk_format, image.container_format) == ("qcow2", "bare")


def test_seeded_volume_types(conn: Any) -> None:
    types = {t.name: t for t in conn.block_storage.types()}
    for name in ("classic", "high-speed", "classic-luks", "high-speed-luks"):
        assert name in types
        assert types[name].extra_specs.get("volume_backend_name") == "fake"
    for name in ("classic-luks", "high-speed-luks"):
        spec = conn.block_storage.get_type_encryption(types[name].id)
        assert spec.provider == "luks"
        assert spec.cipher == "aes-xts-plain64"
        assert int(spec.key_size) == 256
        assert spec.control_location == "front-end"


def test_ext_net_router_and_floating_ip(conn: Any, cleanup: Any) -> None:
    ext = conn.network.find_network("Ext-Net")
    assert ext is not None and ext.is_router_external
    assert list(conn.network.subnets(network_id=ext.id))
    tag = uuid.uuid4().hex[:8]
    net = conn.network.create_network(name=f"smoke-{tag}")
    cleanup(lambda: conn.network.delete_network(net))
    subnet = conn.network.create_subnet(
        network_id=net.id, ip_version=4, cidr="10.77.0.0/24", name=f"smoke-{tag}"
    )
    cleanup(lambda: conn.network.delete_subnet(subnet))
    router = conn.network.create_router(
        name=f"smoke-{tag}", external_gateway_info={"network_id": ext.id}
    )
    cleanup(lambda: conn.network.delete_router(router))
    conn.network.add_interface_to_router(router, subnet_id=subnet.id)
    cleanup(lambda: conn.network.remove_interface_from_router(router, subnet_id=subnet.id))
    fip = conn.network.create_ip(floating_network_id=ext.id)
    cleanup(lambda: conn.network.delete_ip(fip))
    assert fip.floating_ip_address.startswith("203.0.113.")


def test_servers_boot_in_anti_affinity_group(conn: Any, cleanup: Any) -> None:
    tag = uuid.uuid4().hex[:8]
    net = conn.network.create_network(name=f"smoke-{tag}")
    cleanup(lambda: conn.network.delete_network(net))
    subnet = conn.network.create_subnet(network_id=net.id, ip_version=4, cidr="10.78.0.0/24")
    cleanup(lambda: conn.network.delete_subnet(subnet))
    group = conn.compute.create_server_group(name=f"smoke-{tag}", policies=["anti-affinity"])
    cleanup(lambda: conn.compute.delete_server_group(group))
    image = conn.image.find_image("Debian 12")
    flavor = conn.compute.find_flavor("d2-2")
    servers = []
    for index in range(2):
        server = conn.compute.create_server(
            name=f"smoke-{tag}-{index}",
            image_id=image.id,
            flavor_id=flavor.id,
            networks=[{"uuid": net.id}],
            scheduler_hints={"group": group.id},
        )
        servers.append(server)
        cleanup(
            lambda s=server: (
                conn.compute.delete_server(s),
                conn.compute.wait_for_delete(s, wait=120),
            )
        )
    hosts = set()
    for server in servers:
        active = conn.compute.wait_for_server(server, status="ACTIVE", wait=180)
        hosts.add(active.hypervisor_hostname or active.compute_host)
        ports = list(conn.network.ports(device_id=server.id))
        assert ports and ports[0].status == "ACTIVE"
    assert len(hosts) == 2, f"anti-affinity members share a host: {hosts}"


def test_encrypted_volume_becomes_available(conn: Any, cleanup: Any) -> None:
    volume = conn.block_storage.create_volume(
        size=1, volume_type="classic-luks", name=f"smoke-{uuid.uuid4().hex[:8]}"
    )
    cleanup(
        lambda: (
            conn.block_storage.delete_volume(volume),
            conn.block_storage.wait_for_delete(volume, wait=120),
        )
    )
    volume = conn.block_storage.wait_for_status(
        volume, status="available", failures=["error"], wait=120
    )
    assert volume.is_encrypted
    assert volume.volume_type == "classic-luks"


def test_versioned_swift_container(conn: Any, cleanup: Any) -> None:
    """Object versioning (X-Versions-Enabled), as pulumi-openstack's ContainerV1 sets it."""
    store = conn.object_store
    name = f"smoke-{uuid.uuid4().hex[:8]}"
    store.put(f"/{name}", headers={"X-Versions-Enabled": "true"}).raise_for_status()

    def drop() -> None:
        listing = store.get(f"/{name}?versions&format=json").json()
        for obj in listing:
            store.delete(f"/{name}/{obj['name']}?version-id={obj['version_id']}")
        store.delete(f"/{name}")

    cleanup(drop)
    head = store.head(f"/{name}")
    assert head.headers.get("X-Versions-Enabled", "").lower() == "true"
    for body in (b"v1", b"v2"):
        store.put(f"/{name}/state.json", data=body).raise_for_status()
    assert store.get(f"/{name}/state.json").content == b"v2"
    versions = store.get(f"/{name}?versions&format=json").json()
    assert len([v for v in versions if v["name"] == "state.json"]) == 2


def test_barbican_secret_roundtrip(conn: Any, cleanup: Any) -> None:
    payload = uuid.uuid4().hex
    secret = conn.key_manager.create_secret(
        name="smoke", payload=payload, payload_content_type="text/plain", secret_type="opaque"
    )
    secret_id = secret.secret_ref.rsplit("/", 1)[1]
    cleanup(lambda: conn.key_manager.delete_secret(secret_id, ignore_missing=False))
    fetched = conn.key_manager.get_secret(secret_id)
    assert fetched.payload == payload


def test_barbican_order_becomes_active(conn: Any, cleanup: Any) -> None:
    """Orders (pulumi-openstack's OrderV1) are processed in the API process: no worker needed."""
    order = conn.key_manager.post(
        "/orders",
        json={
            "type": "key",
            "meta": {
                "name": "smoke-order",
                "algorithm": "aes",
                "bit_length": 256,
                "mode": "cbc",
                "payload_content_type": "application/octet-stream",
            },
        },
    )
    order.raise_for_status()
    order_id = order.json()["order_ref"].rsplit("/", 1)[1]
    cleanup(lambda: conn.key_manager.delete(f"/orders/{order_id}"))
    status: dict[str, Any] = {}

    def active() -> bool:
        status.update(conn.key_manager.get(f"/orders/{order_id}").json())
        assert status["status"] != "ERROR", status
        return bool(status["status"] == "ACTIVE")

    _until(active, 60, "the order to become ACTIVE")
    secret_id = status["secret_ref"].rsplit("/", 1)[1]
    cleanup(lambda: conn.key_manager.delete_secret(secret_id, ignore_missing=False))


def _sigv2(access: str, secret: str, method: str, path: str) -> dict[str, str]:
    """Headers of an AWS signature v2 request (no body, no content type)."""
    import base64
    import hashlib
    import hmac
    from email.utils import formatdate

    date = formatdate(usegmt=True)
    to_sign = f"{method}\n\n\n{date}\n{path}"
    digest = hmac.new(secret.encode(), to_sign.encode(), hashlib.sha1).digest()
    return {"Date": date, "Authorization": f"AWS {access}:{base64.b64encode(digest).decode()}"}


def _sigv4(
    access: str, secret: str, method: str, path: str, body: bytes, region: str = "LOCAL1"
) -> dict[str, str]:
    """Headers of an AWS signature v4 request, as the AWS SDKs (and Pulumi's s3:// backend)
    send it; path-style, no query string."""
    import hashlib
    import hmac
    from datetime import UTC, datetime

    now = datetime.now(UTC)
    amz_date, day = now.strftime("%Y%m%dT%H%M%SZ"), now.strftime("%Y%m%d")
    payload = hashlib.sha256(body).hexdigest()
    headers = {"host": "127.0.0.1:8080", "x-amz-content-sha256": payload, "x-amz-date": amz_date}
    signed = ";".join(sorted(headers))
    canonical = "\n".join(
        [method, path, "", *(f"{k}:{headers[k]}" for k in sorted(headers)), "", signed, payload]
    )
    scope = f"{day}/{region}/s3/aws4_request"
    to_sign = "\n".join(
        ["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(canonical.encode()).hexdigest()]
    )
    key = f"AWS4{secret}".encode()
    for part in (day, region, "s3", "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    return {
        "x-amz-content-sha256": payload,
        "x-amz-date": amz_date,
        "Authorization": f"AWS4-HMAC-SHA256 Credential={access}/{scope}, "
        f"SignedHeaders={signed}, Signature={signature}",
    }


def test_s3_api_with_ec2_credentials(conn: Any, cleanup: Any) -> None:
    """Swift's S3 API authenticates EC2 credentials through Keystone, AWS signatures v2 and v4."""
    import json

    import requests

    access, secret = uuid.uuid4().hex, uuid.uuid4().hex
    credential = conn.identity.create_credential(
        type="ec2",
        user_id=conn.current_user_id,
        project_id=conn.current_project_id,
        blob=json.dumps({"access": access, "secret": secret}),
    )
    cleanup(lambda: conn.identity.delete_credential(credential))
    bucket = f"smoke-s3-{uuid.uuid4().hex[:8]}"
    url = "http://127.0.0.1:8080"

    def v2(method: str, path: str) -> requests.Response:
        headers = _sigv2(access, secret, method, path)
        return requests.request(method, url + path, headers=headers, timeout=30)

    def v4(method: str, path: str, body: bytes = b"") -> requests.Response:
        headers = _sigv4(access, secret, method, path, body)
        return requests.request(method, url + path, headers=headers, data=body, timeout=30)

    created = v2("PUT", f"/{bucket}")
    assert created.status_code == 200, created.text
    cleanup(lambda: v2("DELETE", f"/{bucket}"))
    listing = v2("GET", "/")
    assert listing.status_code == 200 and bucket in listing.text

    stored = v4("PUT", f"/{bucket}/state.json", b'{"v": 1}')
    assert stored.status_code == 200, stored.text
    cleanup(lambda: v4("DELETE", f"/{bucket}/state.json"))
    fetched = v4("GET", f"/{bucket}/state.json")
    assert fetched.status_code == 200, fetched.text
    assert fetched.content == b'{"v": 1}'
    # The bucket is the Swift container of the hub's project, the object one of its objects.
    assert conn.object_store.get_container_metadata(bucket).name == bucket
    assert conn.object_store.get(f"/{bucket}/state.json").content == b'{"v": 1}'
