"""Vendored front-end files stay byte-identical to their npm packages (issue 7 §1)."""

import hashlib
import re
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders

VENDOR = Path(settings.BASE_DIR) / "static" / "vendor"


def manifest():
    rows = {}
    for line in (VENDOR / "SHA256SUMS").read_text().splitlines():
        digest, name = line.split(maxsplit=1)
        rows[name] = digest
    return rows


def test_every_vendored_file_matches_its_checksum():
    rows = manifest()
    assert rows, "static/vendor/SHA256SUMS is empty"
    for name, digest in rows.items():
        actual = hashlib.sha256((VENDOR / name).read_bytes()).hexdigest()
        assert actual == digest, f"{name} differs from the npm package (sha256 {actual} ≠ {digest})"


def test_no_unlisted_file_in_vendor():
    listed = set(manifest()) | {"SHA256SUMS", "VERSIONS"}
    present = {str(p.relative_to(VENDOR)) for p in VENDOR.rglob("*") if p.is_file()}
    assert present == listed


def test_every_source_map_reference_resolves():
    """Minified files keep their sourceMappingURL comment; the map must be there (manifest storage needs it)."""
    for path in VENDOR.rglob("*"):
        if path.suffix not in {".js", ".css"}:
            continue
        for ref in re.findall(rb"sourceMappingURL=([^\s*]+)", path.read_bytes()):
            assert (path.parent / ref.decode()).is_file(), f"{path.name} refers to missing {ref.decode()}"


def test_templates_load_only_files_that_exist():
    base = (Path(settings.BASE_DIR) / "templates" / "base.html").read_text()
    for name in re.findall(r"{% static '([^']+)' %}", base):
        assert finders.find(name), name


def test_favicon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"].endswith("img/favicon.ico")
    assert finders.find("img/favicon.ico")
