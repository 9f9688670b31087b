"""Bundles streamed through age (issue 14): neither the ciphertext nor the plaintext of a bundle is
held whole in memory.

Writing: the payload lines are encoded once (hash, size and counts computed on the way, as the signed
manifest that comes first needs them), then ``pyrage.encrypt_io`` pulls the plaintext — magic,
manifest, signature, lines — in small reads and writes the age file (64 KiB STREAM chunks) straight
into the output file.

Reading: ``pyrage.decrypt_io`` reads the file through a capped reader (a file longer than the cap is
refused while it is read, whatever it claims) and pushes plaintext into a sink that splits it into
the manifest, the signature and the payload lines as they come, with the same caps as
``bundle.split_inner``; the checks and their order are those of ``bundle.open_bundle`` (nothing is
trusted before the whole file has decrypted and authenticated: age detects truncation only at the
end). So the 256 MiB cap bounds what a hostile file can make us do, not what memory a normal bundle
needs: the memory is the parsed changes plus their lines once.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import IO, Any

import pyrage
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pyrage import x25519

from outreach.sync import bundle as B
from outreach.sync.keys import canonical_json, parse_age_recipient, sign, verify

READ_SIZE = 1 << 16


# =========================================================================== writing
class _Plaintext:
    """A read-only stream over ``head`` and then the payload lines (for ``encrypt_io``)."""

    def __init__(self, head: bytes, lines: list[bytes]) -> None:
        self._parts = iter([head, *lines])
        self._buf = b""

    def read(self, n: int = -1) -> bytes:
        want = READ_SIZE if n is None or n < 0 else n
        pieces = [self._buf] if self._buf else []
        have = len(self._buf)
        while have < want:
            part = next(self._parts, None)
            if part is None:
                break
            pieces.append(part)
            have += len(part)
        data = b"".join(pieces)
        self._buf = data[want:]
        return data[:want]

    def readinto(self, buffer: Any) -> int:
        data = self.read(len(buffer))
        buffer[:len(data)] = data
        return len(data)


def encode_lines(changes: Iterable[dict[str, Any]]) -> tuple[list[bytes], str, int, dict[str, int]]:
    """Payload lines (each ending in a newline), their SHA-256, total size and changes per entity."""
    lines: list[bytes] = []
    sha = hashlib.sha256()
    size = 0
    counts: Counter[str] = Counter()
    for change in changes:
        line = B._encode_wire(change) + b"\n"
        sha.update(line)
        size += len(line)
        lines.append(line)
        counts[change["entity"]] += 1
    return lines, sha.hexdigest(), size, dict(sorted(counts.items()))


def write_bundle_to(out: IO[bytes], *, signer: Ed25519PrivateKey, escrow: Sequence[str] = (),
                    changes: Iterable[dict[str, Any]], **fields: Any) -> B.Manifest:
    """Like ``bundle.write_bundle``, but the age file is written into ``out`` as it is encrypted."""
    lines, sha, size, counts = encode_lines(changes)
    manifest = B.make_manifest(payload_sha256=sha, payload_bytes=size, change_count=len(lines), counts=counts,
                               **fields)
    manifest_bytes = canonical_json(manifest.to_json())
    signature = sign(signer, B.SIGNATURE_CONTEXT + manifest_bytes)
    head = B.MAGIC + manifest_bytes + b"\n" + signature.encode("ascii") + b"\n"
    keys = list(dict.fromkeys([r.age for r in manifest.recipients] + list(escrow)))
    pyrage.encrypt_io(_Plaintext(head, lines), out, [parse_age_recipient(k) for k in keys])
    return manifest


# =========================================================================== reading
class CappedReader:
    """Reads a file for ``decrypt_io``, refusing it once more than ``limit`` bytes came."""

    def __init__(self, raw: IO[bytes], limit: int, prefix: bytes = b"") -> None:
        self.raw, self.limit, self.prefix, self.total = raw, limit, prefix, 0

    def read(self, n: int = -1) -> bytes:
        n = READ_SIZE if n is None or n < 0 else n
        if self.prefix:
            data, self.prefix = self.prefix[:n], self.prefix[n:]
        else:
            try:
                data = self.raw.read(n)
            except OSError as exc:
                from outreach.inputfiles import read_reason

                raise B.BundleRefused("sync.refused.unreadable", reason=read_reason(exc)) from exc
        self.total += len(data)
        if self.total > self.limit:
            raise B.BundleRefused("sync.refused.too_large", size_mb=self.total // 2**20, limit_mb=self.limit // 2**20)
        return data

    def readinto(self, buffer: Any) -> int:
        data = self.read(len(buffer))
        buffer[:len(data)] = data
        return len(data)


class _Sink:
    """Receives the plaintext: the head (magic, manifest, signature line) is kept until it is whole,
    payload lines are split off as they arrive (the payload is hashed on the way)."""

    def __init__(self, limits: B.Limits) -> None:
        self.limits = limits
        self.head = bytearray()
        self.in_payload = False
        self.manifest_bytes = b""
        self.signature = ""
        self.lines: list[bytes] = []
        self.tail = bytearray()
        self.sha = hashlib.sha256()
        self.size = 0
        self.started = False

    def write(self, data: Any) -> int:
        data = bytes(data)
        taken = len(data)
        if not self.in_payload:
            self.head += data
            rest = self._split_head()
            if rest is None:
                return taken
            data = rest
        self._payload(data)
        return taken

    def flush(self) -> None:
        return None

    def _split_head(self) -> bytes | None:
        head, limits = self.head, self.limits
        if len(head) < len(B.MAGIC):
            return None
        if not head.startswith(B.MAGIC):
            raise B.BundleRefused("sync.refused.not_bundle")
        end = head.find(b"\n", len(B.MAGIC), len(B.MAGIC) + limits.max_manifest_bytes + 1)
        if end < 0:
            if len(head) > len(B.MAGIC) + limits.max_manifest_bytes:
                raise B.BundleRefused("sync.refused.bad_manifest", reason="manifest too long or cut off")
            return None
        sig_end = head.find(b"\n", end + 1, end + 1 + 200)
        if sig_end < 0:
            if len(head) > end + 1 + 200:
                raise B.BundleRefused("sync.refused.bad_manifest", reason="signature line missing")
            return None
        self.manifest_bytes = bytes(head[len(B.MAGIC):end])
        try:
            self.signature = bytes(head[end + 1:sig_end]).decode("ascii")
        except UnicodeDecodeError as exc:
            raise B.BundleRefused("sync.refused.bad_signature") from exc
        self.in_payload = True
        rest = bytes(head[sig_end + 1:])
        self.head = bytearray()
        return rest

    def _payload(self, data: bytes) -> None:
        if not data:
            return
        self.sha.update(data)
        self.size += len(data)
        if self.size > self.limits.max_file_bytes:
            raise B.BundleRefused("sync.refused.payload_mismatch")
        self.tail += data
        if b"\n" not in data:
            return
        parts = bytes(self.tail).split(b"\n")
        self.tail = bytearray(parts.pop())
        self.lines.extend(parts)

    def finish(self) -> None:
        """The end of the plaintext: a head still incomplete is refused as ``split_inner`` would."""
        if not self.in_payload:
            B.split_inner(bytes(self.head), self.limits)   # raises the refusal the whole text would get
            raise B.BundleRefused("sync.refused.bad_manifest", reason="signature line missing")
        if self.tail:
            self.lines.append(bytes(self.tail))
            self.tail = bytearray()


def open_stream(raw: IO[bytes], identities: Sequence[x25519.Identity], gate: B.Gate,
                limits: B.Limits = B.DEFAULT_LIMITS, *, size: int | None = None) -> B.OpenedBundle:
    """``bundle.open_bundle`` for a file object (read once, in chunks; see the module doc)."""
    if size is not None and size > limits.max_file_bytes:
        raise B.BundleRefused("sync.refused.too_large", size_mb=size // 2**20, limit_mb=limits.max_file_bytes // 2**20)
    prefix = raw.read(limits.max_header_bytes * 2 + 64)
    if len(prefix) > limits.max_file_bytes:
        raise B.BundleRefused("sync.refused.too_large", size_mb=len(prefix) // 2**20,
                              limit_mb=limits.max_file_bytes // 2**20)
    if not (prefix.startswith(B.AGE_MAGIC) or prefix.startswith(B.AGE_ARMOR)):
        raise B.BundleRefused("sync.refused.not_bundle")
    B.check_age_header(prefix, limits)
    sink = _Sink(limits)
    try:
        pyrage.decrypt_io(CappedReader(raw, limits.max_file_bytes, prefix), sink, list(identities))
    except pyrage.DecryptError as exc:
        if "No matching keys" in str(exc):
            raise B.BundleRefused("sync.refused.not_for_us") from exc
        raise B.BundleRefused("sync.refused.damaged") from exc
    except OSError as exc:   # truncated or altered ciphertext (age's STREAM authentication)
        raise B.BundleRefused("sync.refused.damaged") from exc
    sink.finish()
    manifest = B.parse_manifest(sink.manifest_bytes)
    gate.check_team(manifest)
    if not verify(gate.signer_key(manifest), B.SIGNATURE_CONTEXT + sink.manifest_bytes, sink.signature):
        raise B.BundleRefused("sync.refused.bad_signature")
    gate.check_recipient(manifest)
    if manifest.change_count > limits.max_changes:
        raise B.BundleRefused("sync.refused.too_many_changes", count=manifest.change_count, limit=limits.max_changes)
    if sink.size != manifest.payload_bytes or sink.sha.hexdigest() != manifest.payload_sha256:
        raise B.BundleRefused("sync.refused.payload_mismatch")
    return B.OpenedBundle(manifest, B.parse_lines(sink.lines, manifest, limits))


__all__ = ["CappedReader", "encode_lines", "open_stream", "write_bundle_to"]
