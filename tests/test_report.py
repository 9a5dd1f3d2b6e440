"""The report: one self-contained HTML file of a task's saved results, nothing fetched from
outside it, and a message (never a traceback) where there is nothing to report."""

from html.parser import HTMLParser

import pytest

from core.jobs import run_cli
from core.report import gather, render_html, write_report
from core.report.__main__ import main as report_cli
from core.report.pdf import find_browser


class Links(HTMLParser):
    """Every src and href of the document's elements (a script's text is not parsed as HTML)."""

    def __init__(self):
        super().__init__()
        self.links, self.scripts, self.external_scripts = [], 0, 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.links += [attrs[k] for k in ("src", "href") if attrs.get(k)]
        if tag == "script":
            self.scripts += 1
            self.external_scripts += "src" in attrs


@pytest.fixture(scope="module")
def cxr_report(tmp_path_factory):
    out = tmp_path_factory.mktemp("report") / "cxr.html"
    return write_report("cxr", out, pdf=False), out.read_text(encoding="utf-8")


def test_the_report_holds_every_section_and_fetches_nothing(cxr_report):
    written, text = cxr_report
    parser = Links()
    parser.feed(text)
    assert parser.links == [] and parser.external_scripts == 0  # no CDN, no link out of the file
    figures = text.count('class="plotly-graph-div"')
    assert figures >= 3 and parser.scripts == 1 + figures  # plotly.js inlined once, then one script per figure
    for heading in ("The models and their cards", "Robustness curves", "Does soft attention make the model harder",
                    "Can these numbers be trusted?", "Which way is the model fooled?",
                    "Can the saliency maps be trusted?", "Protocol, seeds and versions"):
        assert f"<h2>{heading}" in text
    assert "McNemar p" in text and "95 % CI" in text and "keras" in text  # tests with intervals; versions
    # the bundled cxr zoo has PGD-AT twins trained at 0.02: attention is compared with them there
    assert "Attention against adversarial training: InceptionResNetV2" in text
    assert "robust accuracy at ε = 0.02" in text and "At ε = 0.02 (5.1/255) attention adds" in text
    assert written["configuration_sha256"] in text and len(written["configuration_sha256"]) == 64


def test_the_configuration_hash_follows_the_checkpoints_and_the_settings():
    first, again = gather("cxr"), gather("cxr")
    assert first.configuration_sha256 == again.configuration_sha256
    again.models[0].checkpoint_sha256 = "0" * 64  # a retrained model
    from core.report.gather import configuration_hash

    assert configuration_hash(again) != first.configuration_sha256
    assert len(render_html(first)) > 1_000_000  # self-contained: plotly.js is inside


def test_nothing_to_report_says_what_to_run(tmp_path, capsys):
    with pytest.raises(ValueError, match=r"no trained cxr models .*\(python -m core.train --demo-zoo --task cxr"):
        gather("cxr", root=tmp_path)
    with pytest.raises(ValueError, match=r"run python -m core.evaluate --task cxr --n 37 first"):
        gather("cxr", n=37)  # the bundled models exist; no curve on 37 images does
    assert run_cli(lambda: report_cli(["--task", "cxr", "--out", str(tmp_path / "r.html"), "--n", "37"])) == 2
    assert "error: no saved cxr robustness curve" in capsys.readouterr().err
    with pytest.raises(ValueError, match="ending in .html"):
        write_report("cxr", tmp_path / "report.pdf", pdf=False)


@pytest.mark.skipif(find_browser() is None, reason="Chromium is not installed")
def test_a_pdf_is_printed_beside_the_html(cxr_report, tmp_path):
    from core.report import print_pdf

    html_path = tmp_path / "cxr.html"
    html_path.write_text(cxr_report[1], encoding="utf-8")
    pdf = print_pdf(html_path)
    assert pdf == html_path.with_suffix(".pdf") and pdf.read_bytes()[:5] == b"%PDF-" and pdf.stat().st_size > 50_000


def test_the_report_says_what_the_seed_study_the_escalation_and_the_mechanism_found():
    from core.evaluate.seeds import seed_study
    from core.report.mechanism_sections import mechanism_section
    from tests.evaluate.test_seeds import EPSILON, _replicas

    evidence = gather("cxr")
    evidence.seed_study = {"n": 100, "seeds": [0, 1, 2], "families": seed_study(
        _replicas({0: (60, 30), 1: (30, 40), 2: (50, 40)}), epsilons={"resnet50": EPSILON})}
    vanilla = next(m for m in evidence.models if not m.spec.attention and m.spec.backbone == "resnet50")
    attentive = next(m for m in evidence.models if m.spec == vanilla.spec.twin())
    vanilla.strong = {**vanilla.strong, "escalation": {"sentence": "Run with 2 x the strong protocol's iterations.",
                                                       "reasons": ["1x: 40 % as run, 30 % doubled"]}}
    text = render_html(evidence)
    assert "<h2>Architecture or seed?" in text and "the sign changes with the training seed" in text
    assert "Run with 2 x the strong protocol&#x27;s iterations. 1x: 40 % as run, 30 % doubled." in text
    vanilla.minimum_norm = {"median": {"median": 0.002}}
    attentive.minimum_norm = {"median": {"median": 0.004}, "twin_test": {"p_value": 0.001}}
    for model, margin in ((vanilla, 1.0), (attentive, 2.0)):
        model.mechanism = {"measures": {"margin_clean": [margin] * 4}, "surfaces": []}
    attentive.mechanism["twin_test"] = {"margin_clean": {"attentive": 2.0, "vanilla": 1.0, "p_value": 0.01,
                                                         "sentence": "larger margin"}}
    from core.report.parts import to_html

    parts = "".join(to_html(block) for block in mechanism_section(evidence))
    assert "Which measure follows robustness?" in parts and "logit margin, clean points the way robustness" in parts


def test_the_committed_findings_are_what_the_saved_results_give(tmp_path):
    """docs/findings/ is generated, never typed: regenerating it from the bundled results gives
    the committed files, byte for byte (run `python -m core.report --findings` after a change)."""
    from core.report import FINDINGS, write_findings

    written = write_findings(tmp_path)
    assert [p.name for p in written] == ["derm.md", "fundus.md", "cxr.md"]
    for path in written:
        committed = FINDINGS / path.name
        assert committed.read_text(encoding="utf-8") == path.read_text(encoding="utf-8"), (
            f"docs/findings/{path.name} is stale: run .venv/bin/python -m core.report --findings")


def test_a_section_holds_the_same_numbers_in_html_markdown_and_text():
    """One section, three renderers: every number in the Markdown findings' twin sentences is in
    the HTML report's and the command line's, because all write out the same blocks."""
    import html
    import re

    from core.report.parts import to_html, to_markdown, to_text
    from core.report.twin_sections import twins_section

    def numbers(text):
        return re.findall(r"[−+-]?\d+(?:\.\d+)?", text)

    blocks = twins_section(gather("cxr"))
    assert len(blocks) > 10
    for block in blocks:
        shown = html.unescape(re.sub(r"<[^>]+>", "", to_html(block)))  # the text a reader sees
        assert numbers(to_markdown(block)) and numbers(to_markdown(block)) == numbers(shown)
        assert numbers(to_text(block)) == numbers(shown)  # the command line's, too


def _audit(hits_by_epsilon: dict) -> dict:
    """A saved audit's Grad-CAM localisation with the given per-image hits (a string of 0/1) per ε."""
    from core.stats import proportion_ci

    entries = []
    for epsilon, hits in hits_by_epsilon.items():
        k, n = hits.count("1"), len(hits)
        low, high = proportion_ci(k, n)
        entries.append({"epsilon": epsilon, "n": n, "hits": hits, "pointing": k / n, "pointing_low": low,
                        "pointing_high": high, "energy": 0.5, "energy_low": 0.4, "energy_high": 0.6})
    return {"localisation": {"grad_cam": {"lesion": entries, "shortcut": []}}}


def test_the_grounding_section_tables_each_rate_and_tests_the_twins_after_holm():
    from core.report.parts import to_markdown
    from core.report.saliency_sections import grounding_section

    evidence = gather("derm")
    undefended = [m for m in evidence.models if m.spec.defence == "none" and m.spec.backbone == "resnet50"]
    vanilla = next(m for m in undefended if not m.spec.attention)
    attentive = next(m for m in undefended if m.spec.attention)
    vanilla.audit = _audit({0.0: "1" * 30, 0.01: "0" * 30})
    attentive.audit = _audit({0.0: "1" * 30, 0.01: "1" * 30})
    for other in evidence.models:
        if other not in (vanilla, attentive):
            other.audit = None
    text = "\n".join(to_markdown(block) for block in grounding_section(evidence))
    assert "| 1.00 (0.89–1.00) | 0.00 (0.00–0.11) |" in text  # the vanilla map: every image, then none
    assert "the finding" in text and "the shortcut" not in text  # a part no image shows has no row
    assert "points at the finding at a different rate (at ε = 0.01 (2.55/255): +100.0 points" in text
    assert "no difference detected at the other 1 ε, on these 30 images" in text

    attentive.audit = _audit({0.0: "1" * 30, 0.01: "0" * 29 + "1"})
    text = "\n".join(to_markdown(block) for block in grounding_section(evidence))
    assert "no difference detected at any of the 2 ε after Holm's adjustment, on these 30 images" in text


def test_the_models_table_shows_the_demo_target_for_undefended_synthetic_models_only():
    from core.report.parts import to_markdown
    from core.report.sections import models_section

    evidence = gather("cxr")
    text = "\n".join(to_markdown(block) for block in models_section(evidence))
    rows = [line for line in text.splitlines() if line.startswith("| ") and "(compact)" in line]
    assert rows and all(line.endswith("| meets |") for line in rows if "PGD-AT" not in line)
    assert all(line.endswith("| – |") for line in rows if "PGD-AT" in line)
    assert "Demo target, AUC 0.85–0.93" in text and "CheXNet" in text
    evidence.data = "ChestX-ray14 test split"  # real data: no band applies
    text = "\n".join(to_markdown(block) for block in models_section(evidence))
    assert "demo target" not in text and "Demo target" not in text


def test_the_seed_section_says_how_far_the_seed_alone_moves_clean_accuracy():
    from core.report.parts import to_markdown
    from core.report.seed_sections import seed_spread

    def seed(k, vanilla, attentive):
        return {"seed": k, "accuracy": {"vanilla": {"clean": vanilla, "robust": 0.1},
                                        "attentive": {"clean": attentive, "robust": 0.2}}}

    study = {"families": [{"title": "ResNet-50", "per_seed": [seed(0, 0.90, 0.88), seed(1, 0.85, 0.89),
                                                               seed(2, 0.87, 0.88)]}]}
    text = "\n".join(to_markdown(block) for block in seed_spread(study))
    assert "| ResNet-50 | 1 | 0.850 | 0.100 | 0.890 | 0.200 |" in text
    assert "spans 5.0 points without attention and 1.0 with it" in text


def test_the_command_line_prints_every_section_as_text(capsys):
    assert report_cli(["--task", "cxr", "--text"]) == 0
    printed = capsys.readouterr().out
    for title in ("THE MODELS AND THEIR CARDS", "DOES SOFT ATTENTION MAKE THE MODEL HARDER TO FOOL?",
                  "CAN THESE NUMBERS BE TRUSTED?", "DO THE MAPS POINT AT THE FINDING?",
                  "EACH IMAGE'S SMALLEST ADVERSARIAL ε"):  # ε, not the capital Ε
        assert title in printed
    assert "McNemar p" in printed and "[figure: accuracy against ε, the undefended models" in printed
    assert "<" not in printed.replace("< ", "")  # no HTML, no Markdown table rules
