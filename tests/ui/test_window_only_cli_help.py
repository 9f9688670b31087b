"""The lead reads `outreach backup --help` once, to script the nightly copy: each subcommand says what
it does (not the parent's line again, not a button's label such as "Restore the selected backup…")."""

from __future__ import annotations

import pytest

from outreach.cli.main import main
from outreach.i18n import set_language, tr


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_each_backup_subcommand_has_its_own_help_line(capsys, lang):
    try:
        with pytest.raises(SystemExit):
            main(["--lang", lang, "backup", "--help"])
    finally:
        set_language("zh_CN")
    out = " ".join(capsys.readouterr().out.split())
    set_language(lang)
    try:
        parent, button = tr("sec.cli.backup"), tr("sec.backups.restore")
        lines = [tr(f"wo.cli.backup.{name}") for name in ("create", "list", "restore", "verify")]
    finally:
        set_language("zh_CN")
    assert out.count(parent) == 1            # the description only, not repeated for list and verify
    assert button not in out
    for line in lines:
        assert " ".join(line.split()) in out
