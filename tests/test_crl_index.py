"""The CRL index on generated hostile and unusual CRLs (tests/hostile/crl/corpus.py), against a plain parse.

Every case is loaded each way the index has (the element-by-element walk of a short list, the vectorised scan
of a long one, and for a long list's first lookups cryptography's own search of it, each forced here on every
size): loading and the signature check must give the codes recorded
for that case, and for a CRL that loads, every lookup (each listed serial, its neighbours, the same low 64 bits
with other high bytes, its negation, random serials of every width and sign) must answer as asn1crypto's
straightforward parse of the whole list does: the first entry of a serial, with its date and reason.

Then: random CRLs of every serial shape, long enough for the scan; the walk and the scan give the same table; the
signature is checked once per issuer for the same bytes in a process, and once across processes through a CRL
store's cache folder (the table file next to the cached CRL), which is ignored when it is not this user's own,
is open to others, belongs to other bytes or is damaged.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import subprocess
import sys
from array import array
from pathlib import Path

import pytest
from asn1crypto import crl as asn1_crl
from cryptography import x509

from eds.pki import algorithms
from eds.pki.certificates import Certificate
from eds.pki.revocation import CrlError, CrlIndex, CrlStore
from eds.pki.revocation import crl as crl_module
from hostile.crl import corpus

MODES = ("walk", "scan", "quick")


@pytest.fixture(scope="module")
def material(pki_dir) -> corpus.Material:
    return corpus.Material.load(pki_dir)


@pytest.fixture(scope="module")
def cases(material) -> dict[str, corpus.Case]:
    return corpus.cases(material)


@pytest.fixture(scope="module")
def issuers(material) -> dict[str, Certificate]:
    return {"ca": Certificate.load(material.ca.der), "ec": Certificate.load(material.ec.der)}


@pytest.fixture(autouse=True)
def fresh_share():
    """No parsed CRL shared from another test (the share would hand back the other way's table)."""
    crl_module._SHARED.clear()
    crl_module._RECENT.clear()
    yield
    crl_module._SHARED.clear()
    crl_module._RECENT.clear()


def indexed(der: bytes, mode: str, monkeypatch) -> CrlIndex:
    """The index of ``der`` made one way: ``walk`` (the element-by-element walk), ``scan`` (the vectorised
    scan's table answers every lookup), ``quick`` (no table until a lookup finds the serial listed:
    cryptography's search of the list answers every other lookup)."""
    monkeypatch.setattr(crl_module, "_WALK_AT_MOST", 10 ** 9 if mode == "walk" else -1)
    monkeypatch.setattr(crl_module, "_QUICK_LOOKUPS", 10 ** 9 if mode == "quick" else 0)
    crl_module._SHARED.clear()
    crl_module._RECENT.clear()
    return CrlIndex(der)


def reference(der: bytes) -> dict[int, tuple]:
    """serial -> (revoked_at, reason) of the first entry of each serial, or ("error", exception type) when
    that entry's reason cannot be read; by asn1crypto, parsing the whole list."""
    found: dict[int, tuple] = {}
    for entry in asn1_crl.CertificateList.load(der)["tbs_cert_list"]["revoked_certificates"]:
        serial = entry["user_certificate"].native
        if serial in found:
            continue
        try:
            reason = entry.crl_reason_value
            found[serial] = (entry["revocation_date"].native, reason.native if reason is not None else "unspecified")
        except Exception:  # noqa: BLE001 (the index must refuse that entry, as a CrlError)
            found[serial] = ("error", "CrlError")
    return found


def answer(index: CrlIndex, serial: int) -> tuple | None:
    try:
        entry = index.lookup(serial)
    except Exception as exc:  # noqa: BLE001
        return ("error", type(exc).__name__)
    if entry is None:
        return None
    assert entry.serial == serial
    return entry.revoked_at, entry.reason


def probes(listed, extra, rng: random.Random) -> list[int]:
    """The listed serials, their neighbours, other serials with their low 64 bits, their negations, and random
    serials of every shape (hits and misses)."""
    out = set(listed) | set(extra)
    for serial in listed:
        out |= {serial + 1, serial - 1, serial + (1 << 64), serial - (1 << 64), serial + (1 << 160), -serial}
    out |= {corpus.random_serial(rng) for _ in range(300)}
    out |= {0, 1, -1, (1 << 63), (1 << 64) - 1, 1 << 64, -(1 << 63), -(1 << 64), (1 << 159) | 1}
    return sorted(out)


def check_against_reference(index: CrlIndex, der: bytes, extra=(), seed: int = 0) -> None:
    expected = reference(der)
    parsed = x509.load_der_x509_crl(der)
    assert len(index) == len(parsed) == sum(1 for _ in asn1_crl.CertificateList.load(der)["tbs_cert_list"][
        "revoked_certificates"])
    start, end = index._parsed.tbs_bounds
    assert der[start:end] == parsed.tbs_certlist_bytes  # what the signature is checked over did not change
    for serial in probes(expected, extra, random.Random(seed)):
        assert answer(index, serial) == expected.get(serial), serial


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.filterwarnings("ignore::cryptography.utils.CryptographyDeprecationWarning")
def test_corpus(mode, cases, issuers, monkeypatch):
    assert len(cases) >= 90 and len(corpus.FAMILIES) == 10
    for name, case in cases.items():
        try:
            index = indexed(case.der, mode, monkeypatch)
        except CrlError as exc:
            assert exc.code in ((case.load,) if case.load != corpus.EITHER else ("CRL_MALFORMED",)), (name, exc)
            continue
        assert case.load in (None, corpus.EITHER), (name, "loaded")
        try:
            index.verify_signature(issuers[case.issuer])
            outcome = None
        except CrlError as exc:
            outcome = exc.code
        assert outcome == case.signature, name
        crl = index.crl
        number = crl.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number \
            if any(isinstance(e.value, x509.CRLNumber) for e in crl.extensions) else None
        assert index.number == number and index.this_update == crl.last_update_utc, name
        assert index.next_update == crl.next_update_utc, name
        check_against_reference(index, case.der, case.probes, seed=len(name))


@pytest.mark.parametrize("seed", range(6))
def test_random_crls_long_enough_for_the_scan(seed, material, issuers):
    rng = random.Random(100 + seed)
    count = rng.choice((1500, 4000, 9000))
    serials = [corpus.random_serial(rng) for _ in range(count)]
    serials += rng.sample(serials, 40)  # some listed twice
    rng.shuffle(serials)
    der = corpus.crl(material, corpus.random_entries(material, rng, 0, serials))
    index = CrlIndex(der)
    assert len(index) > crl_module._WALK_AT_MOST and not isinstance(index._table, array)  # the scan's table
    assert index._table.dtype.itemsize == 8 and index._table.size == len(serials)  # 8 bytes an entry
    index.verify_signature(issuers["ca"])
    check_against_reference(index, der, seed=seed)


def test_the_walk_and_the_scan_give_the_same_table(cases, material, monkeypatch):
    rng = random.Random(7)
    ders = [case.der for case in cases.values()]
    ders.append(corpus.crl(material, corpus.random_entries(material, rng, 3000)))
    same = 0
    for der in ders:
        tables = []
        for mode in ("walk", "scan"):
            try:
                tables.append(list(indexed(der, mode, monkeypatch)._table))
            except CrlError as exc:
                tables.append(exc.code)
        assert tables[0] == tables[1]
        same += isinstance(tables[0], list)
    assert same >= 60


def test_negative_and_leading_zero_serials_are_found(cases, monkeypatch):
    """The two's complement low 64 bits make a short negative serial's key (the list's -1 is 0xFF...FF)."""
    for mode in MODES:
        index = indexed(cases["serials/negative_short"].der, mode, monkeypatch)
        for serial in (-1, -2, -128, -129, -255, -256, -(1 << 55)):
            assert index.lookup(serial).reason == "key_compromise"
        assert index.lookup(255) is None and index.lookup((1 << 64) - 1) is None
        index = indexed(cases["serials/leading_zero_bytes"].der, mode, monkeypatch)
        assert index.lookup(0x80) is not None and index.lookup(1 << 63) is not None
        assert index.lookup(-(1 << 63)) is None and index.lookup(-0x80) is None


def test_duplicates_answer_with_the_first_entry(cases, monkeypatch):
    for mode in MODES:
        index = indexed(cases["duplicates/twice_different_reasons"].der, mode, monkeypatch)
        assert index.lookup(777).reason == "certificate_hold"
        assert indexed(cases["duplicates/remove_then_revoke"].der, mode, monkeypatch).lookup(778).reason == \
            "remove_from_crl"
        index = indexed(cases["duplicates/same_serial_500_times"].der, mode, monkeypatch)
        assert index.lookup(999).revoked_at == reference(cases["duplicates/same_serial_500_times"].der)[999][0]


def test_a_long_list_gets_its_table_at_its_third_lookup(material):
    rng = random.Random(11)
    serials = [rng.getrandbits(159) for _ in range(3000)]
    der = corpus.crl(material, corpus.random_entries(material, rng, 0, serials))
    index = CrlIndex(der)
    assert index._parsed._table is None and len(index) == 3000
    assert index.lookup(5) is None and index.lookup(6) is None and index._parsed._table is None
    assert index.lookup(7) is None and index._parsed._table is not None
    crl_module._SHARED.clear()
    crl_module._RECENT.clear()
    index = CrlIndex(der)
    listed = index.lookup(serials[1234])  # a hit read from cryptography's entry, as asn1crypto reads it
    assert listed.serial == serials[1234] and index._parsed._table is None
    assert index.lookup(serials[1234]) == listed and index._parsed._table is None
    assert index.lookup(serials[1234]) == listed and index._parsed._table is not None
    crl_module._SHARED.clear()
    crl_module._RECENT.clear()
    index = CrlIndex(der)
    assert index.lookup(-serials[1]) is None and index._parsed._table is None  # its DER is nowhere in the list
    crl_module._SHARED.clear()
    crl_module._RECENT.clear()
    listed = corpus.crl(material, corpus.random_entries(material, rng, 0, [*serials, -5]))
    index = CrlIndex(listed)
    assert index.lookup(-5).serial == -5 and index._parsed._table is not None  # cryptography takes no negative


def test_checking_one_certificate_against_a_long_list_imports_no_numpy(material, tmp_path):
    """Like `eds cert X --crl big.crl`: the list parsed, one lookup, no table and no numpy in the process."""
    rng = random.Random(12)
    path = tmp_path / "long.crl"
    path.write_bytes(corpus.crl(material, corpus.random_entries(material, rng, 3000)))
    script = ("import sys\nfrom eds.pki.revocation.crl import CrlIndex\n"
              "index = CrlIndex(open(sys.argv[1], 'rb').read())\n"
              "assert index.lookup(12345) is None and len(index) == 3000\n"
              "print(index._parsed._table is None, 'numpy' in sys.modules)\n")
    done = subprocess.run([sys.executable, "-c", script, str(path)], capture_output=True, text=True, timeout=120)
    assert done.stdout.split() == ["True", "False"], done.stderr


# --- verified once -----------------------------------------------------------------------------------------

@pytest.fixture
def verify_calls(monkeypatch) -> list:
    calls: list = []
    real = algorithms.verify

    def counted(*args, **kwargs):
        calls.append(args[3])
        return real(*args, **kwargs)

    monkeypatch.setattr(algorithms, "verify", counted)
    return calls


def test_the_same_bytes_are_parsed_and_verified_once_in_a_process(material, issuers, verify_calls):
    der = corpus.crl(material, corpus.random_entries(material, random.Random(3), 2000))
    first, second = CrlIndex(der, source="file"), CrlIndex(bytes(der), source="document")
    assert first._parsed is second._parsed and second.source == "document"
    first.verify_signature(issuers["ca"])
    second.verify_signature(issuers["ca"])
    assert len(verify_calls) == 1
    with pytest.raises(CrlError) as refused:  # another issuer is another check, made and failed
        second.verify_signature(issuers["ec"])
    assert refused.value.code == "CRL_SIGNATURE_INVALID" and len(verify_calls) == 2


URL = "http://crl.example.kz/ca.crl"


def cached_store(folder: Path, der: bytes) -> tuple[CrlStore, Path]:
    store = CrlStore(cache_dir=folder)
    path = store._cache_path(URL)
    folder.mkdir(mode=0o700, exist_ok=True)
    path.write_bytes(der)
    return store, path


def load_cached(store: CrlStore) -> CrlIndex:
    crl_module._SHARED.clear()  # as a new process would start
    crl_module._RECENT.clear()
    assert store.refresh([URL], dt.datetime.now(dt.timezone.utc)) == []
    return store.held(URL)


@pytest.fixture
def cached(material, tmp_path) -> tuple[Path, bytes]:
    der = corpus.crl(material, corpus.random_entries(material, random.Random(4), 3000))
    return tmp_path / "cache", der


def test_the_cache_keeps_the_table_and_the_verification(cached, issuers, verify_calls):
    folder, der = cached
    store, path = cached_store(folder, der)
    index = load_cached(store)
    assert not path.with_suffix(".idx").exists()  # nothing verified yet: nothing to keep
    index.verify_signature(issuers["ca"])
    table_file = path.with_suffix(".idx")
    assert table_file.stat().st_mode & 0o777 == 0o600 and len(verify_calls) == 1
    again = load_cached(CrlStore(cache_dir=folder))
    assert again._parsed.read_from == table_file and again._parsed is not index._parsed
    again.verify_signature(issuers["ca"])
    assert len(verify_calls) == 1  # verified once, by the first store
    assert list(again._table) == list(index._table)
    check_against_reference(again, der)


@pytest.mark.parametrize("damage", ["group_writable_file", "world_writable_folder", "other_bytes", "truncated",
                                    "header_changed", "symlink"])
def test_a_table_file_not_to_be_trusted_is_ignored(damage, cached, material, issuers, verify_calls):
    folder, der = cached
    store, path = cached_store(folder, der)
    load_cached(store).verify_signature(issuers["ca"])
    table_file = path.with_suffix(".idx")
    if damage == "group_writable_file":
        table_file.chmod(0o620)
    elif damage == "world_writable_folder":
        folder.chmod(0o777)
    elif damage == "other_bytes":  # the cache now holds another CRL (the table names the old one's SHA-256)
        path.write_bytes(corpus.crl(material, corpus.random_entries(material, random.Random(5), 3000)))
    elif damage == "truncated":
        table_file.write_bytes(table_file.read_bytes()[:-8])
    elif damage == "header_changed":
        raw = bytearray(table_file.read_bytes())
        raw[20] ^= 1  # inside the SHA-256 it names
        table_file.write_bytes(bytes(raw))
    else:
        moved = folder / "elsewhere.idx"
        table_file.rename(moved)
        table_file.symlink_to(moved)
    index = load_cached(CrlStore(cache_dir=folder))
    assert index._parsed.read_from is None  # scanned again
    index.verify_signature(issuers["ca"])
    assert len(verify_calls) == 2  # and verified again
    check_against_reference(index, path.read_bytes())


def test_another_process_uses_the_kept_table_and_verification(cached, issuers):
    folder, der = cached
    store, path = cached_store(folder, der)
    load_cached(store).verify_signature(issuers["ca"])
    listed = next(iter(reference(der)))
    script = (
        "import datetime as dt, json, sys\n"
        "from eds.pki import algorithms\n"
        "from eds.pki.certificates import Certificate\n"
        "from eds.pki.revocation import CrlStore\n"
        "calls = []\n"
        "real = algorithms.verify\n"
        "algorithms.verify = lambda *a, **k: calls.append(1) or real(*a, **k)\n"
        "store = CrlStore(cache_dir=__import__('pathlib').Path(sys.argv[1]))\n"
        "assert store.refresh([sys.argv[2]], dt.datetime.now(dt.timezone.utc)) == []\n"
        "index = store.held(sys.argv[2])\n"
        "index.verify_signature(Certificate.load(open(sys.argv[3], 'rb').read()))\n"
        "print(json.dumps({'calls': len(calls), 'mapped': index._parsed.read_from is not None,\n"
        "                  'hit': index.lookup(int(sys.argv[4])) is not None, 'entries': len(index)}))\n"
    )
    ca = folder.parent / "ca.der"
    ca.write_bytes(issuers["ca"].der)
    done = subprocess.run([sys.executable, "-c", script, str(folder), URL, str(ca), str(listed)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"calls": 0, "mapped": True, "hit": True,
                                       "entries": len(x509.load_der_x509_crl(der))}
