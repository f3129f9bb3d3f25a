"""The GitHub action and workflows: valid against GitHub's published schemas,
clean under zizmor's offline audits, pinned, and doing what docs/ci.md says.

check-jsonschema vendors the schemas (`--builtin-schema vendor.github-*`) and
zizmor `--offline` needs no network, so these run anywhere. Both are real
tools run in subprocesses, from the test extras.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from feedpub.scaffold import ACTION_REPOSITORY, LOCAL_ACTION, WORKFLOW, init_project, template

ROOT = Path(__file__).parent.parent
ACTION = ROOT / "action.yml"
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.y*ml"))
# A third-party action pinned by a full commit SHA, its version in a comment.
PINNED = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40} # v\d+(\.\d+)*$")
SEVERITIES = ("unknown", "informational", "low", "medium", "high")


def tool(name: str) -> str:
    """The path of a console script of the test extras: next to this Python, else on PATH."""
    beside = Path(sys.executable).parent / name
    found = str(beside) if beside.exists() else shutil.which(name)
    if found is None:
        pytest.fail(f"{name} is not installed: pip install -e '.[test]'")
    return found


@pytest.fixture(scope="module")
def schema_errors(tmp_path_factory) -> dict[Path, list[str]]:
    """check-jsonschema's errors per file, for every workflow and action here, the
    workflow `init` writes, and one broken file of each kind (so a check that cannot
    fail shows). One run per schema: each run takes seconds to start."""
    folder = tmp_path_factory.mktemp("schemas")
    init_project(folder / "user", ci="github")
    broken_workflow = folder / "broken-workflow.yml"
    broken_workflow.write_text("on: push\njobs:\n  build:\n    steps: []\n", encoding="utf-8")  # no runs-on
    broken_action = folder / "broken-action.yml"
    broken_action.write_text("name: x\nruns:\n  using: composite\n", encoding="utf-8")  # no description, steps
    files = {
        "vendor.github-workflows": [*WORKFLOWS, folder / "user" / WORKFLOW, broken_workflow],
        "vendor.github-actions": [ACTION, broken_action],
    }
    errors: dict[Path, list[str]] = {path: [] for paths in files.values() for path in paths}
    for schema, paths in files.items():
        result = subprocess.run(
            [tool("check-jsonschema"), "--builtin-schema", schema, "--output-format", "json", *map(str, paths)],
            capture_output=True, text=True, timeout=300,
        )
        report = json.loads(result.stdout)
        assert not report["parse_errors"], report["parse_errors"]
        for error in report["errors"]:
            errors[Path(error["filename"])].append(f"{error['path']}: {error['message']}")
    return errors


def zizmor_findings(*paths: Path) -> list[dict]:
    """zizmor's findings, offline, as JSON: every severity, so tests choose what fails."""
    result = subprocess.run([tool("zizmor"), "--offline", "--format", "json", *map(str, paths)],
                            capture_output=True, text=True, timeout=120)
    # zizmor exits non-zero exactly when it has findings; anything else is a failure to run.
    assert result.stdout.strip().startswith("["), result.stderr
    return json.loads(result.stdout)


def at_least_medium(findings: list[dict]) -> list[dict]:
    return [
        finding for finding in findings
        if SEVERITIES.index(finding["determinations"]["severity"].lower()) >= SEVERITIES.index("medium")
    ]


def uses_lines(path: Path) -> list[str]:
    return [match.group(1) for match in re.finditer(r"^\s*(?:- )?uses: (.+)$", path.read_text(), re.MULTILINE)]


def test_the_repository_has_its_workflow_and_action():
    assert ACTION.is_file()
    assert [path.name for path in WORKFLOWS] == ["feeds.yml"]


def test_the_workflows_and_the_action_match_githubs_schemas(schema_errors):
    broken = {path for path in schema_errors if path.name.startswith("broken-")}
    assert {path for path, errors in schema_errors.items() if errors} == broken, schema_errors
    assert len(broken) == 2


def test_zizmor_finds_nothing_of_medium_severity_or_above():
    findings = zizmor_findings(ACTION, *WORKFLOWS)
    assert at_least_medium(findings) == [], json.dumps(at_least_medium(findings), indent=1)


def test_zizmor_would_catch_template_injection(tmp_path):
    """The audit is live: `${{ }}` of an input inside a script is a finding."""
    action = yaml.safe_load(ACTION.read_text())
    action["runs"]["steps"].append({"shell": "bash", "run": 'echo "${{ inputs.args }}"'})
    injected = tmp_path / "action.yml"
    injected.write_text(yaml.safe_dump(action), encoding="utf-8")
    assert {f["ident"] for f in at_least_medium(zizmor_findings(injected))} == {"template-injection"}


def test_the_init_template_is_this_repositorys_workflow():
    assert template("feeds.yml").encode() == (ROOT / WORKFLOW).read_bytes()


def test_the_workflow_init_writes_is_valid_and_only_names_feedpub_by_tag(tmp_path):
    """A user's repository runs feedpub's action at this version's tag. zizmor
    asks for a commit SHA there too, and that is the only thing it asks: a
    release's SHA cannot be written into the release (docs/ci.md says to pin it)."""
    init_project(tmp_path, ci="github")
    written = tmp_path / WORKFLOW  # its schema check is in schema_errors
    own = f"{ACTION_REPOSITORY}@v"
    assert sum(line.startswith(own) for line in uses_lines(written)) == template("feeds.yml").count(LOCAL_ACTION)
    findings = at_least_medium(zizmor_findings(written))
    assert {f["ident"] for f in findings} == {"unpinned-uses"}
    flagged = [loc["concrete"]["feature"] for f in findings for loc in f["locations"]
               if loc["symbolic"]["kind"] == "Primary"]
    assert flagged == [uses for uses in uses_lines(written) if uses.startswith(own)]


@pytest.mark.parametrize("path", [ACTION, *WORKFLOWS], ids=lambda p: p.name)
def test_every_third_party_action_is_pinned_by_sha(path):
    for uses in uses_lines(path):
        if uses.startswith("./"):
            continue
        assert PINNED.match(uses), f"{path.name}: {uses} is not pinned by SHA with a version comment"


@pytest.mark.parametrize("path", [ACTION, *WORKFLOWS], ids=lambda p: p.name)
def test_no_expression_inside_a_script(path):
    """Inputs reach scripts through env:, never as ${{ }} pasted into the shell."""
    for step in _steps(yaml.safe_load(path.read_text())):
        assert "${{" not in step.get("run", ""), step.get("name")


def test_every_job_has_a_timeout():
    """A hung build holds the branch's concurrency group; GitHub's default limit is 6 hours."""
    for workflow in WORKFLOWS:
        for name, job in yaml.safe_load(workflow.read_text())["jobs"].items():
            assert job.get("timeout-minutes"), f"{workflow.name}: job {name} has no timeout-minutes"


def test_pull_requests_get_the_item_change_report_in_the_job_summary():
    jobs = yaml.safe_load((ROOT / ".github" / "workflows" / "feeds.yml").read_text(encoding="utf-8"))["jobs"]
    scripts = [step.get("run", "") for job in jobs.values() for step in job.get("steps", [])]
    report = [script for script in scripts if "--report markdown" in script]
    assert len(report) == 1 and '--report-file "$GITHUB_STEP_SUMMARY"' in report[0]
    assert "build --check" in report[0] and "[ $? -eq 1 ]" in report[0]  # fails on exit 2 or 3 only


def test_the_workflow_passes_only_inputs_the_action_declares():
    inputs = set(yaml.safe_load(ACTION.read_text())["inputs"])
    commands = set(re.findall(r"^\s+(\w[\w-]*)\)$", _run_script(), re.MULTILINE))
    for workflow in WORKFLOWS:
        for step in _steps(yaml.safe_load(workflow.read_text())):
            if step.get("uses") == "./":
                assert set(step.get("with", {})) <= inputs, step
                assert step["with"]["command"] in commands


# The action's own script, run here as the runner runs it (bash -eo pipefail),
# in a repository made by `feedpub init`.

@pytest.fixture()
def user_repo(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    init_project(repo)
    git = ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.org"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "init"], check=True)
    return repo


def run_action(repo: Path, command: str, args: str = "") -> tuple[int, dict[str, str], str]:
    """Run the action's 'Run feedpub' step; return its exit code, outputs and summary."""
    output, summary = repo.parent / "github_output", repo.parent / "step_summary"
    output.write_text("")
    summary.write_text("")
    env = {
        **os.environ,
        "FEEDPUB": tool("feedpub"), "FEEDPUB_COMMAND": command, "FEEDPUB_ARGS": args, "FEEDPUB_OUT": "",
        "FEEDPUB_CACHE": "true", "WORKING_DIRECTORY": ".",
        "GITHUB_OUTPUT": str(output), "GITHUB_STEP_SUMMARY": str(summary),
    }
    result = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", _run_script()],
                            cwd=repo, env=env, capture_output=True, text=True, timeout=120)
    outputs = dict(line.split("=", 1) for line in output.read_text().splitlines())
    return result.returncode, outputs, summary.read_text()


def test_action_build_says_changed_until_the_feeds_are_committed(user_repo):
    code, outputs, summary = run_action(user_repo, "build")
    assert code == 0
    assert outputs == {"out": "./feeds", "changed": "true"}
    assert "1 published" in summary
    assert (user_repo / ".feedpub-cache").is_dir()

    code, outputs, _ = run_action(user_repo, "build")
    assert (code, outputs["changed"]) == (0, "true")  # still uncommitted
    subprocess.run(["git", "-C", str(user_repo), "add", "feeds"], check=True)
    subprocess.run(["git", "-C", str(user_repo), "-c", "user.name=t", "-c", "user.email=t@example.org",
                    "commit", "-q", "-m", "feeds"], check=True)
    code, outputs, _ = run_action(user_repo, "build")
    assert (code, outputs["changed"]) == (0, "false")
    # The lock file a build leaves is not a change, though nothing here ignores it.
    (user_repo / ".gitignore").unlink()
    assert (user_repo / "feeds" / ".feedpub.lock").exists()
    assert run_action(user_repo, "build")[1]["changed"] == "false"


def test_action_build_check_and_check(user_repo):
    assert run_action(user_repo, "build-check")[:2] == (0, {"out": "./feeds", "changed": "true"})
    assert not (user_repo / "feeds").exists()
    run_action(user_repo, "build")
    assert run_action(user_repo, "build-check")[1]["changed"] == "false"
    assert run_action(user_repo, "check")[:2] == (0, {"out": "./feeds", "changed": "false"})
    (user_repo / "seeds" / "bad.txt").write_text("---\ntitle: no link\n---\n", encoding="utf-8")
    code, _, _ = run_action(user_repo, "check")
    assert code == 1
    assert run_action(user_repo, "build-check", "--limit x")[0] == 2  # a usage error fails the step
    assert run_action(user_repo, "deploy")[0] == 2


def _steps(document: dict) -> list[dict]:
    if "runs" in document:
        return document["runs"]["steps"]
    return [step for job in document["jobs"].values() for step in job.get("steps", [])]


def _run_script() -> str:
    (step,) = [step for step in _steps(yaml.safe_load(ACTION.read_text())) if step.get("id") == "run"]
    return step["run"]


def test_the_docs_name_the_repository_of_the_action_init_writes_and_how_to_change_it():
    for page in (ROOT / "README.md", ROOT / "docs" / "ci.md"):
        text = " ".join(page.read_text(encoding="utf-8").split())  # lines joined
        assert f"uses: {ACTION_REPOSITORY}@v" in text or f"`{ACTION_REPOSITORY}@v" in text, page.name
        assert "<owner>/<repo>@<tag or commit SHA>" in text, page.name
