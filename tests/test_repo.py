"""The repository keeps the brief's promises: the two commands, CI, file sizes."""

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _readme_commands():
    return re.findall(r"```(?:bash|sh)?\n(.*?)```", (ROOT / "README.md").read_text(), re.S)


def test_ci_runs_exactly_the_readme_test_command():
    test_lines = [line for block in _readme_commands() for line in block.splitlines()
                  if "pytest" in line]
    assert test_lines, "README must give the test command"
    ci = (ROOT / ".ci" / "run").read_text()
    assert test_lines[0].strip() in ci.splitlines()


def test_readme_install_command_uses_requirements_and_starts_the_app():
    first = _readme_commands()[0]
    assert "requirements.txt" in first and "streamlit run app.py" in first


def test_no_large_files_outside_the_demo_zoo():
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True).stdout
    demo_total = 0
    for name in tracked.splitlines():
        path = ROOT / name
        if not path.is_file():
            continue
        size = path.stat().st_size
        if name.startswith("checkpoints/demo/"):
            demo_total += size
        else:
            assert size <= 3 * 2**20, f"{name} is over 3 MiB"
    assert demo_total <= 40 * 2**20, "checkpoints/demo/ is over 40 MiB"


def test_core_never_imports_streamlit():
    for path in (ROOT / "core").rglob("*.py"):
        assert not re.search(r"^\s*(import|from) streamlit", path.read_text(), re.M), path


def test_no_lambda_layers():
    for folder in ("core", "app_pages"):
        for path in (ROOT / folder).rglob("*.py"):
            assert "layers.Lambda" not in path.read_text(), path


def test_the_server_listens_on_this_machine_only():
    import tomllib

    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["server"]["address"] == "127.0.0.1"


def test_the_product_points_at_no_file_outside_the_repository():
    for path in [ROOT / "README.md", *(ROOT / "docs").rglob("*.md"), *(ROOT / "app_pages").rglob("*.py"),
                 ROOT / "app.py", ROOT / "dashboard.py"]:
        assert "../shared" not in path.read_text(), path


def test_the_readme_is_a_front_door_and_its_links_lead_somewhere():
    readme = (ROOT / "README.md").read_text()
    assert len(readme.splitlines()) <= 200, "the README is a front door: the rest belongs in docs/"
    links = re.findall(r"\]\(((?:docs|assets)/[^)#]*)\)", readme)
    assert {"docs/data.md", "docs/methods.md", "docs/architecture.md", "docs/differences.md",
            "docs/findings/derm.md", "assets/explorer.png"} <= set(links)
    for link in links:
        assert (ROOT / link).exists(), link
    for doc in (ROOT / "docs").rglob("*.md"):
        for link in re.findall(r"\]\(([^)#:]+)\)", doc.read_text()):
            assert (doc.parent / link).exists(), f"{doc.name} links to {link}, which is not there"


def test_vendored_web_component_carries_its_licence():
    folder = ROOT / "assets" / "components" / "compare_slider"
    licence = (folder / "LICENSE-img-comparison-slider").read_text()
    assert "MIT License" in licence and "Copyright (c) 2019 Dmitry Snisarenko" in licence
    sources = re.findall(r'<script src="([^"]+)"', (folder / "index.html").read_text())
    assert sources and all((folder / source).is_file() for source in sources)  # beside it: no CDN


def test_no_private_streamlit_module_is_used():
    """streamlit.runtime and friends change without notice: pages use the public API only."""
    for path in [ROOT / "app.py", ROOT / "dashboard.py", *(ROOT / "app_pages").rglob("*.py"), *(ROOT / "core").rglob("*.py")]:
        assert not re.search(r"streamlit\.(runtime|web|proto)|PagesManager", path.read_text()), path
    assert not (ROOT / "pages").exists()  # a folder named pages/ switches on legacy page discovery
