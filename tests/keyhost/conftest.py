"""Fixtures of the keyhost tests."""

from cryptography.hazmat.primitives.asymmetric import ec
import pytest

from tests.keyhost.common import Pki, make_pki, p256


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    return make_pki(tmp_path_factory.mktemp("pki"))


@pytest.fixture(scope="module")
def other_pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    return make_pki(tmp_path_factory.mktemp("other-pki"))


@pytest.fixture(scope="module")
def key() -> ec.EllipticCurvePrivateKey:
    return p256()
