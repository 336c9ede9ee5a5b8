"""The vendor sample bodies under tests/forms/samples/<vendor>/ (written for these tests).

A sample is `<case>.json` (or `<case>.txt` for URL-encoded and multipart
bodies), read as raw bytes exactly as a vendor would send them, with an
optional `<case>.headers.json` (Content-Type, signature headers) and
`<case>.expected.json`, the `Inquiry.to_json()` the body must normalize to.

Signed samples are signed with SECRET at SIGNED_AT; the tests check them at
NOW, 20 seconds later. Freshchat's are signed with an RSA key whose public half
is `freshchat/public_key.pem`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

SAMPLES = Path(__file__).parent / "samples"
SECRET = "qualifier-sample-secret"
SIGNED_AT = 1773151480  # 2026-03-10T14:04:40Z
NOW = 1773151500.0  # 2026-03-10T14:05:00Z, the corpus' reference time
BODY_SUFFIXES = (".json", ".txt")


@dataclass(frozen=True)
class Sample:
    vendor: str
    case: str
    path: Path

    @property
    def id(self) -> str:
        return f"{self.vendor}/{self.case}"

    @property
    def body(self) -> bytes:
        return self.path.read_bytes()

    @property
    def headers(self) -> dict[str, str]:
        path = self.path.with_name(f"{self.case}.headers.json")
        return json.loads(path.read_text("utf-8")) if path.exists() else {}

    @property
    def expected_path(self) -> Path:
        return self.path.with_name(f"{self.case}.expected.json")

    @property
    def expected(self) -> dict:
        return json.loads(self.expected_path.read_text("utf-8"))


def samples(vendor: str | None = None) -> list[Sample]:
    found = []
    for folder in sorted(p for p in SAMPLES.iterdir() if p.is_dir()):
        if vendor and folder.name != vendor:
            continue
        for path in sorted(folder.iterdir()):
            name = path.name
            if name.endswith((".headers.json", ".expected.json")) or path.suffix not in BODY_SUFFIXES:
                continue
            found.append(Sample(folder.name, path.stem, path))
    return found


def secret_for(vendor: str) -> str:
    """The secret a vendor's signed samples were made with."""
    if vendor == "freshchat":
        return (SAMPLES / "freshchat" / "public_key.pem").read_text("ascii")
    return SECRET


def is_signed(sample: Sample) -> bool:
    """A sample that carries a signature (LiveChat's is the body's `secret_key`)."""
    if sample.vendor == "livechat":
        return json.loads(sample.body).get("secret_key") == SECRET
    return any(name.lower() != "content-type" for name in sample.headers)
