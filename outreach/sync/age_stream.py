"""age v1 encryption to X25519 recipients (C2SP age specification), streamed into a file, with
OpenSSL's ChaCha20-Poly1305 (``cryptography``) — issue 14.

It writes the file any age v1 reader opens (pyrage, rage, age; an older Outreach): the version
line, one ``X25519`` stanza per recipient (an ephemeral key each; the 16-byte file key wrapped with
HKDF-SHA-256(shared secret, ephemeral share ‖ recipient, "age-encryption.org/v1/X25519")), the
header MAC (HMAC-SHA-256 keyed by HKDF(file key, "", "header") over the header up to ``---``), a
random 16-byte nonce, then the payload in 64 KiB STREAM chunks sealed with HKDF(file key, nonce,
"payload") and the nonce ``counter (11 bytes, big-endian) ‖ last flag``. pyrage's own encryption
(Rust) takes about five times the CPU of OpenSSL's on this machine (docs/bundle-speed.md); the
bytes differ only by the random keys and nonce, as two pyrage encryptions of one file do. Reading
stays with pyrage."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from collections.abc import Callable, Sequence
from typing import IO, Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

VERSION = b"age-encryption.org/v1"
CHUNK = 1 << 16
_BECH32 = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"


def _b64(data: bytes) -> bytes:
    return base64.b64encode(data).rstrip(b"=")   # the spec's base64: standard alphabet, no padding


def _hkdf(ikm: bytes, salt: bytes, info: bytes) -> bytes:
    return HKDF(hashes.SHA256(), 32, salt, info).derive(ikm)


def _polymod(values: list[int]) -> int:
    check = 1
    for v in values:
        top = check >> 25
        check = (check & 0x1FFFFFF) << 5 ^ v
        for i, g in enumerate((0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3)):
            if top >> i & 1:
                check ^= g
    return check


def _bech32(text: str, hrp: str) -> bytes:
    """The 32 bytes of a Bech32 string with this human-readable part (checksum checked)."""
    if text not in (text.lower(), text.upper()):   # Bech32: one case or the other
        raise ValueError("not an age key")
    prefix, sep, data = text.lower().rpartition("1")
    if prefix != hrp or not sep or any(c not in _BECH32 for c in data):
        raise ValueError("not an age key")
    values = [_BECH32.index(c) for c in data]
    if _polymod([ord(c) >> 5 for c in prefix] + [0] + [ord(c) & 31 for c in prefix] + values) != 1:
        raise ValueError("bad checksum in an age key")
    acc = bits = 0
    out = bytearray()
    for v in values[:-6]:
        acc, bits = acc << 5 | v, bits + 5
        if bits >= 8:
            bits -= 8
            out.append(acc >> bits & 0xFF)
    if len(out) != 32 or bits >= 5 or acc & ((1 << bits) - 1):
        raise ValueError("an age key is 32 bytes")
    return bytes(out)


def recipient_key(text: str) -> bytes:
    """The 32-byte X25519 public key of an ``age1…`` recipient."""
    return _bech32(text, "age")


def header(recipients: Sequence[str]) -> tuple[bytes, bytes]:
    """(the age header, MAC line included; the file key) for these ``age1…`` recipients."""
    file_key = os.urandom(16)
    lines = [VERSION]
    for text in recipients:
        public = recipient_key(text)
        ephemeral = X25519PrivateKey.generate()
        share = ephemeral.public_key().public_bytes_raw()
        shared = ephemeral.exchange(X25519PublicKey.from_public_bytes(public))   # refuses a low-order key
        if not any(shared):
            raise ValueError("age recipient gives an all-zero shared secret")
        wrap = ChaCha20Poly1305(_hkdf(shared, share + public, b"age-encryption.org/v1/X25519"))
        lines += [b"-> X25519 " + _b64(share), _b64(wrap.encrypt(bytes(12), file_key, None))]
    text = b"\n".join(lines) + b"\n---"
    mac = hmac.new(_hkdf(file_key, b"", b"header"), text, hashlib.sha256).digest()
    return text + b" " + _b64(mac) + b"\n", file_key


class AgeWriter:
    """Encrypts what is written into ``out`` (a binary file) as it comes, in 64 KiB chunks; ``close``
    seals the last one (the STREAM's last chunk is marked, so it is kept until the next write or the
    end). Holds at most one chunk and the piece being written."""

    def __init__(self, out: IO[bytes], recipients: Sequence[str]) -> None:
        head, file_key = header(recipients)
        nonce = os.urandom(16)
        out.write(head + nonce)
        self._out = out
        self._aead = ChaCha20Poly1305(_hkdf(file_key, nonce, b"payload"))
        self._pending = bytearray()
        self._counter = 0

    def write(self, data: Any) -> int:
        view = memoryview(data).cast("B")
        taken = len(view)
        if self._pending:   # complete the chunk begun by the last write
            need = CHUNK - len(self._pending)
            self._pending += view[:need]
            view = view[need:]
            if not view:
                return taken
            self._seal(self._pending, last=False)
            self._pending = bytearray()
        # whole chunks straight from ``data``; a chunk is sealed once it is known not to be the last
        full = (len(view) - 1) // CHUNK * CHUNK
        for start in range(0, full, CHUNK):
            self._seal(view[start:start + CHUNK], last=False)
        self._pending += view[full:]
        return taken

    def close(self) -> None:
        self._seal(self._pending, last=True)
        self._pending = bytearray()

    def _seal(self, chunk: Any, *, last: bool) -> None:
        nonce = self._counter.to_bytes(11, "big") + (b"\x01" if last else b"\x00")
        self._out.write(self._aead.encrypt(nonce, chunk, None))
        self._counter += 1


# =========================================================================== reading
class NotPlain(Exception):
    """The fast reader does not take this file (any doubt, any failure): pyrage decides, as before."""


HEADER_CAP = 1 << 16
_SEALED = CHUNK + 16


def _unb64(text: bytes) -> bytes:
    """Canonical unpadded base64, as age requires it."""
    try:
        raw = base64.b64decode(text + b"=" * (-len(text) % 4), validate=True)
    except ValueError as exc:
        raise NotPlain from exc
    if _b64(raw) != text:
        raise NotPlain
    return raw


def _parse_header(data: bytes) -> tuple[list[tuple[list[bytes], bytes]], bytes, bytes, int]:
    """(stanzas as (arguments, body), the header text the MAC covers, the MAC, where the payload
    starts) of a binary age v1 header that keeps to the spec to the letter; else ``NotPlain``."""
    end = data.find(b"\n--- ")
    eol = data.find(b"\n", end + 5) if end >= 0 else -1
    if not data.startswith(VERSION + b"\n") or eol < 0:
        raise NotPlain
    mac = _unb64(data[end + 5:eol])
    lines = data[len(VERSION) + 1:end + 1].split(b"\n")[:-1]
    stanzas = []
    i = 0
    while i < len(lines):
        if not lines[i].startswith(b"-> "):
            raise NotPlain
        args = lines[i][3:].split(b" ")
        if any(not a or min(a) < 33 or max(a) > 126 for a in args) or args[0] == b"scrypt":
            raise NotPlain
        body = []
        i += 1
        while True:   # body lines of 64 columns, the last one shorter
            if i >= len(lines) or len(lines[i]) > 64:
                raise NotPlain
            body.append(lines[i])
            i += 1
            if len(body[-1]) < 64:
                break
        stanzas.append((args, _unb64(b"".join(body))))
    if not stanzas or len(mac) != 32:
        raise NotPlain
    return stanzas, data[:end + 4], mac, eol + 1


def _file_key(stanzas: list[tuple[list[bytes], bytes]], identities: Sequence[Any]) -> bytes:
    """The file key the first of our identities unwraps (identities, then stanzas, in order, as
    rage tries them)."""
    ours = []
    for args, body in stanzas:
        if args[0] == b"X25519":
            share = _unb64(args[1]) if len(args) == 2 else b""
            if len(share) != 32 or len(body) != 32:
                raise NotPlain
            ours.append((share, body))
    for identity in identities:
        try:
            secret = X25519PrivateKey.from_private_bytes(_bech32(str(identity), "age-secret-key-"))
        except ValueError as exc:
            raise NotPlain from exc
        public = secret.public_key().public_bytes_raw()
        for share, body in ours:
            try:
                shared = secret.exchange(X25519PublicKey.from_public_bytes(share))
            except ValueError as exc:   # a low-order share
                raise NotPlain from exc
            try:
                return ChaCha20Poly1305(_hkdf(shared, share + public, b"age-encryption.org/v1/X25519")).decrypt(
                    bytes(12), body, None)
            except InvalidTag:
                continue
    raise NotPlain   # not for us: pyrage says so


def decrypt_into(read: Callable[[int], bytes], write: Callable[[bytes], Any], identities: Sequence[Any]) -> None:
    """Decrypt the age file ``read`` gives into ``write``, 64 KiB at a time, each chunk authenticated
    before it is written. Raises ``NotPlain`` on anything it does not plainly accept — a header off
    the spec's letter, no stanza for us, a bad MAC or chunk, truncation, trailing bytes, an error
    while reading — leaving the verdict (and its message) to pyrage."""
    def more(n: int) -> bytes:
        try:
            return read(n)
        except Exception as exc:   # noqa: BLE001  (the reader's refusal is pyrage's to report)
            raise NotPlain from exc

    data = b""
    while (end := data.find(b"\n--- ")) < 0 or data.find(b"\n", end + 5) < 0:
        piece = more(CHUNK)
        if not piece or len(data) > HEADER_CAP:
            raise NotPlain
        data += piece
    stanzas, text, mac, start = _parse_header(data)
    file_key = _file_key(stanzas, identities)
    if not hmac.compare_digest(hmac.new(_hkdf(file_key, b"", b"header"), text, hashlib.sha256).digest(), mac):
        raise NotPlain
    rest = data[start:]
    del data

    def exactly(n: int) -> bytes:   # n bytes, fewer only at the end of the file
        nonlocal rest
        while len(rest) < n:
            piece = more(max(n - len(rest), CHUNK))
            if not piece:
                break
            rest += piece
        out, rest = (rest, b"") if len(rest) <= n else (rest[:n], rest[n:])
        return out

    nonce = exactly(16)
    if len(nonce) < 16:
        raise NotPlain
    aead = ChaCha20Poly1305(_hkdf(file_key, nonce, b"payload"))
    sealed = exactly(_SEALED)
    counter = 0
    try:
        while True:
            following = exactly(_SEALED) if len(sealed) == _SEALED else b""   # the last chunk: nothing after it
            if not following:
                if len(sealed) < 16 or (len(sealed) == 16 and counter):   # only an empty file ends in an empty chunk
                    raise NotPlain
                write(aead.decrypt(counter.to_bytes(11, "big") + b"\x01", sealed, None))
                return
            write(aead.decrypt(counter.to_bytes(11, "big") + b"\x00", sealed, None))
            sealed = following
            counter += 1
    except InvalidTag as exc:
        raise NotPlain from exc


def encrypt(data: bytes, recipients: Sequence[str]) -> bytes:
    """The age file of ``data`` (for tests and the benchmark's baseline)."""
    parts: list[bytes] = []
    out = type("Parts", (), {"write": staticmethod(parts.append)})()
    writer = AgeWriter(out, recipients)
    writer.write(data)
    writer.close()
    return b"".join(parts)


__all__ = ["AgeWriter", "NotPlain", "decrypt_into", "encrypt", "header", "recipient_key"]
