"""The independent page checkers: axe-core in the browser and the Nu HTML checker (vnu).

Both come pinned from package.json (`npm ci`); nothing is fetched while the tests run.
Without them the page checks skip, and under SSPR_REQUIRE_SERVICES they fail.
"""

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
VNU = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
# WCAG 2.1 A and AA, the level the portal promises.
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def require(path: Path, what: str) -> Path:
    if not path.exists():
        message = f"{what} is missing: run `npm ci` (package.json pins it)"
        if settings.SSPR_REQUIRE_SERVICES:
            pytest.fail(message)
        pytest.skip(message)
    return path


def axe_violations(page) -> list[str]:
    """Run axe-core on the page as it is now; one line per violation and element."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(require(AXE, "axe-core")))
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_TAGS)
    return [f"{v['id']} ({v['impact']}): {node['target']} {node['failureSummary'][:160]}"
            for v in result["violations"] for node in v["nodes"]]


def vnu_errors(files: list[Path]) -> list[str]:
    """Check HTML files with the Nu HTML checker in one run; one line per error."""
    java = shutil.which("java")
    if not java:
        require(Path("/nonexistent-java"), "java (Debian's default-jre-headless)")
    jar = require(VNU, "vnu.jar (npm package vnu-jar)")
    done = subprocess.run([java, "-jar", str(jar), "--format", "json", "--errors-only",
                           *map(str, files)], capture_output=True, text=True, timeout=300)
    messages = json.loads(done.stderr or '{"messages": []}')["messages"]
    return [f"{Path(m.get('url', '')).name}:{m.get('lastLine', '?')}: {m['message']}"
            for m in messages if m.get("type") == "error"]
