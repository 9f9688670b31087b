"""Run the `outreach` command line the way a team lead's script does: one subprocess per command,
``[python, -m, outreach, --data-dir, DIR, …]``, the passphrase in ``OUTREACH_PASSPHRASE``, the language
in ``OUTREACH_LANG``. Commands on different laptops (data folders) can run side by side."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
PASS = "县社工站2026春"
TIMEOUT = 120
# A catalog key printed instead of its text ("sync.cli.exported") means a missing translation.
_RAW_KEY = re.compile(r"\b(?:cli|sync|letters|reports|error|enum|merge|ui|assessment)\.[a-z_]+\.[a-z_.]+\b")


@dataclass
class Run:
    """One finished command: what the user saw."""

    argv: list[str]
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)

    @property
    def err_lines(self) -> list[str]:
        return [line for line in self.err.splitlines() if line.strip()]

    @property
    def out_lines(self) -> list[str]:
        return [line for line in self.out.splitlines() if line.strip()]

    def ok(self) -> Run:
        """Assert success (exit 0, nothing on stderr, no untranslated key) and return self."""
        assert self.code == 0 and not self.err.strip(), self.describe()
        assert not _RAW_KEY.search(self.out), self.describe()
        return self

    def describe(self) -> str:
        return f"$ outreach {' '.join(self.argv)}\nexit {self.code}\n--- stdout\n{self.out}\n--- stderr\n{self.err}"


def env(lang: str, passphrase: str | None) -> dict[str, str]:
    e = {k: v for k, v in os.environ.items() if not k.startswith("OUTREACH_")}
    e |= {"OUTREACH_LANG": lang, "QT_QPA_PLATFORM": "offscreen", "PYTHONIOENCODING": "utf-8"}
    e["OUTREACH_TEST_FAST_KDF"] = "1"   # cheap Argon2id for the data key files tests create (issue 13)
    e["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), e.get("PYTHONPATH", "")]))
    if passphrase is not None:
        e["OUTREACH_PASSPHRASE"] = passphrase
    return e


@dataclass(eq=False)
class Laptop:
    """One data folder, driven only through the command line."""

    dir: Path
    lang: str = "zh_CN"

    def start(self, *args: Any, lang: str | None = None, passphrase: str | None = PASS) -> Pending:
        argv = ["--data-dir", str(self.dir), *map(str, args)]
        proc = subprocess.Popen([sys.executable, "-m", "outreach", *argv], cwd=ROOT,
                                env=env(lang or self.lang, passphrase), stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, encoding="utf-8")
        return Pending(argv, proc)

    def run(self, *args: Any, lang: str | None = None, passphrase: str | None = PASS) -> Run:
        return self.start(*args, lang=lang, passphrase=passphrase).wait()


@dataclass
class Pending:
    argv: list[str]
    proc: subprocess.Popen

    def wait(self) -> Run:
        try:
            out, err = self.proc.communicate(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            out, err = self.proc.communicate()
            err += f"\n[killed after {TIMEOUT} s]"
        return Run(self.argv, self.proc.returncode, out, err)


def together(*pending: Pending) -> list[Run]:
    """Wait for commands started side by side."""
    return [p.wait() for p in pending]


def one_line_error(run: Run) -> str:
    """A refusal as the user sees it: non-zero exit, exactly one line on stderr, nothing on stdout,
    no traceback, no untranslated key. Returns the line."""
    assert run.code != 0, run.describe()
    assert "Traceback" not in run.err + run.out, run.describe()
    assert len(run.err_lines) == 1 and not run.out.strip(), run.describe()
    assert not _RAW_KEY.search(run.err), run.describe()
    return run.err_lines[0]


def pdf_text(path: Path) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() or "" for page in PdfReader(str(path)).pages)


def latin_words(text: str, *, ignore: tuple[str, ...] = ()) -> list[str]:
    """Words in Latin letters left in a message once paths and names in ``ignore`` are removed —
    in a Chinese message they are untranslated text."""
    for part in ignore:
        text = text.replace(part, " ")
    return re.findall(r"[A-Za-z]{3,}", text)
