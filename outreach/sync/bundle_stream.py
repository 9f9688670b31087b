"""Bundles streamed through age (issue 14): neither the ciphertext nor the payload of a bundle is
held whole in memory.

Writing: the changes are encoded once, in batches (``bundle_codec``: C speed, byte for byte the
canonical lines of ``bundle._encode_wire``), hashed, sized and counted on the way, as the signed
manifest that comes first needs them; then ``pyrage.encrypt_io`` pulls the plaintext — magic,
manifest, signature, the encoded batches, each let go once read — and writes the age file (64 KiB
STREAM chunks) straight into the output file. An export's changes come from
``changes.iter_changes(wire=True)`` (``export_rows``): log tuples, or for a full export lines
already encoded while the log was read, never a dict per change. With ``draining`` a list of change
dicts is let go as it is encoded, so a writer holds at most the changes or their encoding, not both.

Reading: ``pyrage.decrypt_io`` reads the file through a capped reader (a file longer than the cap is
refused while it is read, whatever it claims) and pushes plaintext (in ~1 KiB pieces) into a sink
that splits off the manifest and the signature (same caps as ``bundle.split_inner``), hashes the
payload, and checks its lines in batches of ``BATCH_BYTES`` into changes (``bundle.check_lines``) — only once the head's
manifest is signed by a sender the gate knows. A problem is remembered, not raised: the checks and
their order are those of ``bundle.open_bundle``, run once the whole file has decrypted and
authenticated (age detects truncation only at the end). So the 256 MiB cap bounds what a hostile
file can make us do, not what memory a normal bundle needs: that is the parsed changes, plus one
batch of lines.
"""

from __future__ import annotations

import hashlib
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import islice
from typing import IO, Any

import pyrage
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pyrage import x25519

from outreach.sync import bundle as B
from outreach.sync.bundle_codec import encode_changes, entity_counts
from outreach.sync.export_rows import EncodedRows, WireRows, collector_paused
from outreach.sync.keys import canonical_json, parse_age_recipient, sign, verify

READ_SIZE = 1 << 16
BATCH = 2048               # changes encoded at a time
BATCH_BYTES = 1 << 20      # payload bytes checked at a time


# =========================================================================== writing
class _Plaintext:
    """A read-only stream over byte strings (for ``encrypt_io``), letting go of each once it is read."""

    def __init__(self, parts: list[bytes]) -> None:
        self._parts = deque(parts)
        parts.clear()
        self._pos = 0

    def read(self, n: int = -1) -> bytes:
        want = READ_SIZE if n is None or n < 0 else n
        out = []
        while want > 0 and self._parts:
            part = self._parts[0]
            piece = part[self._pos:self._pos + want]
            out.append(piece)
            want -= len(piece)
            self._pos += len(piece)
            if self._pos >= len(part):
                self._parts.popleft()
                self._pos = 0
        return out[0] if len(out) == 1 else b"".join(out)

    def readinto(self, buffer: Any) -> int:
        data = self.read(len(buffer))
        buffer[:len(data)] = data
        return len(data)


def draining(items: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """The items of ``items`` in order, emptying the list as they are taken: an export's change dicts
    are let go as they are encoded instead of living until the file is written."""
    items.reverse()
    while items:
        yield items.pop()


def encode_chunks(changes: Iterable[dict[str, Any]]) -> tuple[list[bytes], str, int, int, dict[str, int]]:
    """The payload in chunks of ``BATCH`` lines (each line ending in a newline), its SHA-256, size,
    number of changes and changes per entity. Encoded once: the signed manifest, which comes first,
    needs the hash, so the encrypted file is written from these chunks afterwards."""
    chunks: list[bytes] = []
    sha = hashlib.sha256()
    size = count = 0
    counts: Counter[str] = Counter()
    with collector_paused():
        for data, n, batch_counts in _encoded(changes):
            sha.update(data)
            size += len(data)
            count += n
            counts.update(batch_counts)
            chunks.append(data)
    return chunks, sha.hexdigest(), size, count, dict(sorted(counts.items()))


def _encoded(changes: Iterable[dict[str, Any]] | WireRows | EncodedRows) -> Iterator[tuple[bytes, int, Counter[str]]]:
    """(JSON Lines, number of changes, changes per entity) of each batch: an export's changes as
    ``changes.iter_changes(wire=True)`` gives them (``export_rows``), or wire-form dicts."""
    if isinstance(changes, WireRows | EncodedRows):
        yield from changes.chunks(BATCH)
        return
    it = iter(changes)
    while batch := list(islice(it, BATCH)):
        yield encode_changes(batch), len(batch), entity_counts(batch)


def write_bundle_to(out: IO[bytes], *, signer: Ed25519PrivateKey, escrow: Sequence[str] = (),
                    changes: Iterable[dict[str, Any]], **fields: Any) -> B.Manifest:
    """Like ``bundle.write_bundle``, but the age file is written into ``out`` as it is encrypted.
    ``changes`` may be an iterator (``draining``): each is read once."""
    chunks, sha, size, count, counts = encode_chunks(changes)
    manifest = B.make_manifest(payload_sha256=sha, payload_bytes=size, change_count=count, counts=counts,
                               **fields)
    manifest_bytes = canonical_json(manifest.to_json())
    signature = sign(signer, B.SIGNATURE_CONTEXT + manifest_bytes)
    head = B.MAGIC + manifest_bytes + b"\n" + signature.encode("ascii") + b"\n"
    keys = list(dict.fromkeys([r.age for r in manifest.recipients] + list(escrow)))
    chunks.insert(0, head)
    pyrage.encrypt_io(_Plaintext(chunks), out, [parse_age_recipient(k) for k in keys])
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
    """Receives the plaintext: the head (magic, manifest, signature line) is kept until it is whole;
    the payload is hashed as it arrives and its lines are checked in batches of ``BATCH_BYTES`` into
    changes, so only the changes are kept, never the payload. A bad line is remembered, not raised:
    ``open_stream`` refuses in the order of ``bundle.open_bundle`` once the whole file has decrypted.
    Lines are only parsed once the manifest's signature checks out (``trusted``)."""

    def __init__(self, limits: B.Limits, trusted: Callable[[bytes, str], bool]) -> None:
        self.limits = limits
        self.trusted = trusted
        self.head = bytearray()
        self.in_payload = False
        self.parsing = False
        self.manifest_bytes = b""
        self.signature = ""
        self.pending: list[bytes] = []    # payload pieces not checked yet (the first may be a line's start)
        self.pending_bytes = 0
        self.sha = hashlib.sha256()
        self.size = 0
        self.line_count = 0
        self.changes: list[dict[str, Any]] = []
        self.counts: Counter[str] = Counter()
        self.error: B.BundleRefused | None = None

    def write(self, data: Any) -> int:
        data = bytes(data)
        taken = len(data)
        if not self.in_payload:
            self.head += data
            rest = self._split_head()
            if rest is None:
                return taken
            data = rest
        # the payload comes in pieces of ~1 KiB: per piece only hash and keep it; lines are split
        # and checked once ``BATCH_BYTES`` have come
        self.sha.update(data)
        self.size += len(data)
        self.pending.append(data)
        self.pending_bytes += len(data)
        if self.pending_bytes >= BATCH_BYTES:
            if self.size > self.limits.max_file_bytes:
                raise B.BundleRefused("sync.refused.payload_mismatch")
            self._parse(final=False)
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
        self.parsing = self.trusted(self.manifest_bytes, self.signature)
        rest = bytes(head[sig_end + 1:])
        self.head = bytearray()
        return rest

    def _parse(self, *, final: bool) -> None:
        """Check the complete lines received so far; the start of a line not ended yet waits for
        the next pieces, unless this is the end of the plaintext (a last line without its newline
        is a line)."""
        if not self.pending:
            return
        lines = b"".join(self.pending).split(b"\n")
        rest = lines.pop()
        if final and rest:
            lines.append(rest)
            rest = b""
        self.pending = [rest] if rest else []
        self.pending_bytes = len(rest)
        if not lines:
            return
        first = self.line_count + 1
        self.line_count += len(lines)
        # more lines than any manifest may announce: not parsed further (refused as a mismatch)
        if not self.parsing or self.error is not None or self.line_count > self.limits.max_changes:
            return
        try:
            changes, counts = B.check_lines(lines, first, self.limits)
        except B.BundleRefused as exc:
            self.error = exc
            return
        self.changes.extend(changes)
        self.counts.update(counts)

    def finish(self) -> None:
        """The end of the plaintext: a head still incomplete is refused as ``split_inner`` would; a
        last line without its newline is a line."""
        if not self.in_payload:
            B.split_inner(bytes(self.head), self.limits)   # raises the refusal the whole text would get
            raise B.BundleRefused("sync.refused.bad_manifest", reason="signature line missing")
        if self.size > self.limits.max_file_bytes:
            raise B.BundleRefused("sync.refused.payload_mismatch")
        self._parse(final=True)


def _signed_by_sender(gate: B.Gate) -> Callable[[bytes, str], bool]:
    """Whether a head's manifest parses and is signed by the sender the gate knows (asked early, only
    to decide whether the payload is worth parsing; every check runs again, in order, at the end)."""
    def trusted(manifest_bytes: bytes, signature: str) -> bool:
        try:
            manifest = B.parse_manifest(manifest_bytes)
            gate.check_team(manifest)
            return verify(gate.signer_key(manifest), B.SIGNATURE_CONTEXT + manifest_bytes, signature)
        except B.BundleRefused:
            return False
    return trusted


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
    sink = _Sink(limits, _signed_by_sender(gate))
    try:
        with collector_paused():
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
    if sink.line_count != manifest.change_count:
        raise B.BundleRefused("sync.refused.payload_mismatch")
    if sink.error is not None:
        raise sink.error
    if not sink.parsing:   # the early look at the head disagreed with the checks just passed
        raise B.BundleRefused("sync.refused.bad_signature")
    if manifest.counts and dict(sink.counts) != manifest.counts:
        raise B.BundleRefused("sync.refused.payload_mismatch")
    return B.OpenedBundle(manifest, sink.changes)


__all__ = ["CappedReader", "draining", "encode_chunks", "open_stream", "write_bundle_to"]
